-- A summary: for each city and kind of weather, how many days, and the coldest, mean and warmest maximum
-- temperature (°C) over 2012-2015 in the NOAA data. EMIT FINAL writes one row per group once the file has
-- been read to its end.
--
--   ferris run examples/weather-summary/app.sql

CREATE TABLE weather_summary AS
SELECT
  location,
  weather,
  COUNT(*) AS days,
  MIN(temp_max) AS coldest_max,
  ROUND(AVG(temp_max), 2) AS mean_max,
  MAX(temp_max) AS warmest_max,
  ROUND(SUM(precipitation), 1) AS total_precipitation
FROM weather
GROUP BY location, weather
EMIT FINAL
WITH (
  'weather.uri' = 'file:./examples/data/weather.csv',
  'weather_summary.uri' = 'file:./examples/out/weather_summary.csv'
);
