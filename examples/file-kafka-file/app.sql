-- File → Kafka, the first of three: every row of NOAA's daily weather for Seattle and New York (2012-2015) becomes
-- one JSON message on the topic `ferris-weather`, keyed by city so a city's days stay in one partition.
--
--   tools/services/kafka/start                  # a local broker on 127.0.0.1:19092
--   npx ferris run examples/file-kafka-file/app.sql
--   npx ferris run examples/file-kafka-file/filter.sql  # optional: Kafka → Kafka, a SQL filter between topics
--   npx ferris run examples/file-kafka-file/back.sql    # the topic back into a file
--
-- The topic is created by the sink when it does not exist (3 partitions here). Override it with
-- `--set weather_events.topic=<name>`.

CREATE STREAM weather_events AS
SELECT location, "date", precipitation, temp_max, temp_min, wind, weather
FROM weather
WITH (
  -- The CSV's column types are inferred from its rows: date is a DATE, the measurements DOUBLE.
  'weather.uri' = 'file:./examples/data/weather.csv',

  'weather_events.type' = 'kafka_sink',
  'weather_events.bootstrap_servers' = '127.0.0.1:19092',
  'weather_events.topic' = 'ferris-weather',
  'weather_events.format' = 'json',
  'weather_events.key_column' = 'location',
  'weather_events.partitions' = '3'
);
