-- Kafka → ClickHouse: US domestic flights of 2001 (Bureau of Transportation Statistics) from a Kafka topic into
-- a ClickHouse MergeTree table that the sink creates, for analytics such as the mean delay per airport.
--
--   tools/services/kafka/start && tools/services/clickhouse/start
--   node examples/kafka-to-clickhouse/seed.mjs              # 10,000 flights on the topic ferris-flights
--   ferris run examples/kafka-to-clickhouse/app.sql
--   clickhouse-client --port 19000 ... or HTTP: SELECT origin, avg(delay) FROM ferris.flights GROUP BY origin
--
-- bounded = true makes this a backfill that stops at the end of the topic; without it the job keeps inserting
-- new flights as they arrive, one INSERT block per checkpoint.

CREATE STREAM flights_ch AS
SELECT
  -- "2001/01/01 00:47" in the source: the day becomes a ClickHouse Date (the sort key), the minute stays text
  -- because ClickHouse 18.16 has no DateTime64 and its DateTime would need a time zone the data does not give.
  CAST(REPLACE(SUBSTRING("date", 1, 10), '/', '-') AS DATE) AS day,
  "date" AS departure,
  origin,
  destination,
  delay,
  distance
FROM flights
WITH (
  'flights.uri' = 'kafka://127.0.0.1:19092/ferris-flights?format=json&bounded=true&group_id=ferris-flights-ch',
  -- Declared rather than inferred from a sample, so delay and distance are exact 64-bit integers.
  'flights.schema' = 'date STRING NOT NULL, delay BIGINT NOT NULL, distance BIGINT NOT NULL, origin STRING NOT NULL, destination STRING NOT NULL',

  'flights_ch.uri' = 'clickhouse://127.0.0.1:18123/ferris',
  'flights_ch.table' = 'flights',
  -- The sink creates the table from the query's columns. `day` comes out of a CAST, so it is Nullable(Date),
  -- which ClickHouse refuses in a sort key: the table is created without one (ORDER BY tuple()).
  'flights_ch.create_table' = 'true'
);
