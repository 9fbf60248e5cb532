-- Window functions: for each city and day, the change of the maximum temperature from the day before, its
-- mean over the last seven days, the precipitation so far that year, and how the day ranks among the
-- city's hottest. The file is bounded, so each city's rows are sorted by each window's ORDER BY when the
-- file ends and computed as PostgreSQL would (an unbounded source needs ORDER BY an event-time TIMESTAMP
-- instead). The rows come out in the order of the last window computed: per city, hottest first.
--
--   ferris run examples/weather-trends/app.sql

CREATE TABLE weather_trends AS
SELECT
  location,
  "date",
  temp_max,
  ROUND(temp_max - LAG(temp_max) OVER (PARTITION BY location ORDER BY "date"), 1) AS change,
  ROUND(AVG(temp_max) OVER (PARTITION BY location ORDER BY "date" ROWS BETWEEN 6 PRECEDING AND CURRENT ROW), 2) AS week_mean,
  ROUND(SUM(precipitation) OVER (PARTITION BY location, EXTRACT(YEAR FROM "date") ORDER BY "date"), 1) AS year_precipitation,
  RANK() OVER (PARTITION BY location ORDER BY temp_max DESC) AS hottest_rank
FROM weather
WITH (
  'weather.uri' = 'file:./examples/data/weather.csv',
  'weather_trends.uri' = 'file:./examples/out/weather_trends.csv'
);
