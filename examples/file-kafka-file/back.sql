-- Kafka → file, the last of three (after app.sql; filter.sql is optional): reads the topic written by app.sql from its beginning up to the end offsets
-- present when the job starts (bounded mode), and writes the messages as CSV with Kafka's metadata beside them.
--
--   ferris run examples/file-kafka-file/back.sql
--
-- Messages of one partition keep their order; the three partitions interleave, so sort the output (or use
-- `_partition` and `_offset`) to compare it with examples/data/weather.csv.

CREATE STREAM weather_copy AS
SELECT location, "date", precipitation, temp_max, temp_min, wind, weather, _key AS message_key, _partition, _offset
FROM weather_events
WITH (
  'weather_events.type' = 'kafka_source',
  'weather_events.bootstrap_servers' = '127.0.0.1:19092',
  'weather_events.topic' = 'ferris-weather',
  'weather_events.format' = 'json',
  'weather_events.bounded' = 'true',
  -- A fresh group per run would be usual for a backfill; this one commits its offsets after the file is written.
  'weather_events.group_id' = 'ferris-weather-copy',
  'weather_events.start' = 'earliest',

  'weather_copy.uri' = 'file:./examples/out/weather-copy.csv'
);
