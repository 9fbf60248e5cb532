-- Kafka → S3 as partitioned Parquet: US domestic flights of 2001 from a topic into a data lake layout,
-- one Hive-style prefix per month (flights/month=2001-01/part-....parquet) that DuckDB, Spark or Athena read
-- as a partitioned table.
--
--   tools/services/kafka/start && tools/services/s3/start
--   node examples/kafka-to-clickhouse/seed.mjs              # 10,000 flights on the topic ferris-flights
--   ferris run examples/kafka-to-s3-parquet/app.sql
--
-- Objects become visible only when the job commits a checkpoint (multipart uploads completed at commit), so a
-- reader never sees half a file. bounded = true stops at the end of the topic; without it a new set of objects
-- appears every checkpoint.

CREATE STREAM flights_lake AS
SELECT
  REPLACE(SUBSTRING("date", 1, 7), '/', '-') AS "month",  -- "2001/01/01 00:47" → "2001-01", the partition
  "date" AS departure,
  origin,
  destination,
  delay,
  distance
FROM flights
WITH (
  'flights.uri' = 'kafka://127.0.0.1:19092/ferris-flights?format=json&bounded=true&group_id=ferris-flights-lake',
  'flights.schema' = 'date STRING NOT NULL, delay BIGINT NOT NULL, distance BIGINT NOT NULL, origin STRING NOT NULL, destination STRING NOT NULL',

  -- The bucket and endpoint of tools/services/s3; the path is the prefix the objects are written under.
  'flights_lake.uri' = 's3://ferris/flights/?endpoint=http://127.0.0.1:19000&region=us-east-1&path_style=true&access_key_id=ferris&secret_access_key=ferris-secret',
  'flights_lake.format' = 'parquet',
  'flights_lake.partition_by' = 'month'
);
