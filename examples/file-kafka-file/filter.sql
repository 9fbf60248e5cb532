-- Kafka → Kafka: a SQL filter from one topic to another. Reads the weather topic written by app.sql and keeps
-- the days of snow or frost, with a wind chill column computed on the way, on the topic `ferris-weather-cold`.
--
--   npx ferris run examples/file-kafka-file/app.sql
--   npx ferris run examples/file-kafka-file/filter.sql
--
-- bounded = true stops at the end of the topic as it was when the job started; leave it out to keep the
-- filter running on new messages.

CREATE STREAM cold_days AS
SELECT location, "date", temp_min, temp_max, wind, weather,
       -- Both CASE arms are DOUBLE, so the column is DOUBLE whichever arm a row takes.
       CASE WHEN temp_min < 0 THEN temp_min - wind ELSE temp_min END AS feels_like
FROM weather_events
WHERE weather = 'snow' OR temp_min < 0
WITH (
  'weather_events.uri' = 'kafka://127.0.0.1:19092/ferris-weather?bounded=true&group_id=ferris-weather-cold',

  'cold_days.uri' = 'kafka://127.0.0.1:19092/ferris-weather-cold',
  'cold_days.key_column' = 'location'
);
