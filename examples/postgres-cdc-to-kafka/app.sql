-- PostgreSQL CDC → Kafka: the table `stocks` (seeded from examples/data/stocks.csv) read as a snapshot, then
-- followed through logical replication (pgoutput): every insert, update and delete made to it afterwards
-- reaches the topic `ferris-stocks-changes`, in commit order, keyed by the row's id.
--
--   tools/services/kafka/start && tools/services/postgres/start
--   node examples/postgres-cdc-to-kafka/seed.mjs
--   ferris run examples/postgres-cdc-to-kafka/app.sql          # runs until Ctrl-C
--   psql postgresql://ferris:ferris@127.0.0.1:15432/ferris -c "UPDATE stocks SET price = price * 2 WHERE symbol = 'IBM'"
--
-- The source logs in as the superuser `postgres` of tools/services/postgres, which may create the publication
-- and the replication slot; in production use a role with REPLICATION that owns the table. The slot's position
-- is confirmed to PostgreSQL only after the Kafka sink flushed the changes, so a restart resumes with no gap.

CREATE STREAM stock_changes AS
SELECT id, symbol, day, price
FROM stocks
WITH (
  'stocks.uri' = 'postgresql://postgres@127.0.0.1:15432/ferris',
  'stocks.table' = 'stocks',
  'stocks.cdc' = 'true',
  -- Changes are checkpointed every second so the slot advances often (the default is 10 s).
  'job.checkpoint.interval' = '1s',

  'stock_changes.uri' = 'kafka://127.0.0.1:19092/ferris-stocks-changes',
  'stock_changes.key_column' = 'id',
  -- One partition keeps the commit order across all rows, not only per key.
  'stock_changes.partitions' = '1'
);
