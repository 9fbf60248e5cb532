-- Rainy, cold days in Seattle and New York, 2012-2015 (NOAA daily observations).
-- Reads examples/data/weather.csv, keeps the days with rain or snow below 5 °C, computes the daily
-- temperature range and writes the result as Parquet.
--
--   ferris run examples/weather/app.sql
--
-- Relative paths are resolved from the folder you run ferris in (the repository root here).

CREATE STREAM cold_wet_days AS
SELECT
  location,
  CAST("date" AS DATE) AS day,
  UPPER(weather) AS weather,
  precipitation,
  temp_min,
  temp_max,
  ROUND(temp_max - temp_min, 1) AS temp_range
FROM weather
WHERE weather IN ('rain', 'snow')
  AND temp_min < 5
  AND precipitation IS NOT NULL
EMIT CHANGES
WITH (
  'weather.type' = 'file_source',
  'weather.path' = './examples/data/weather.csv',
  'weather.format' = 'csv',

  'cold_wet_days.type' = 'file_sink',
  'cold_wet_days.path' = './examples/out/cold_wet_days.parquet',
  'cold_wet_days.format' = 'parquet'
);
