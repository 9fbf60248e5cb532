-- A stream enriched by a changing table: trades (a CSV file, followed as it grows) valued at the current price
-- of their stock, looked up in the PostgreSQL table `prices`, which Ferris keeps current through change data
-- capture. Each trade is valued at the price the table holds when the trade is processed; a price change
-- itself writes nothing, it only values the trades that come after it. Trades of unknown symbols keep NULLs.
--
--   tools/services/postgres/start
--   node examples/trades-with-live-prices/seed.mjs
--   ferris run examples/trades-with-live-prices/app.sql          # runs until Ctrl-C
--   psql postgresql://ferris:ferris@127.0.0.1:15432/ferris -c "UPDATE prices SET price = 1.00 WHERE symbol = 'IBM'"
--   echo "6,IBM,20" >> examples/trades-with-live-prices/trades.csv
--   cat examples/out/valued_trades.jsonl                          # trade 6 is valued at 1.00 a share
--
-- The table's rows as they were at start are loaded before the first trade; its rows and its replication
-- position are kept in the job's checkpoints, so a restart resumes the changes where it stopped. Memory: one
-- entry per symbol. The source logs in as the superuser `postgres` of tools/services/postgres, which may
-- create the publication and the replication slot.

CREATE TABLE prices (symbol STRING PRIMARY KEY, price DECIMAL(10, 2))
WITH (
  'prices.uri' = 'postgresql://postgres@127.0.0.1:15432/ferris',
  'prices.table' = 'prices',
  'prices.cdc' = 'true'
);

CREATE STREAM valued_trades AS
SELECT t.trade_id, t.symbol, t.qty, p.price, t.qty * p.price AS value
FROM trades t LEFT JOIN prices p ON t.symbol = p.symbol
WITH (
  'trades.type' = 'file_source',
  'trades.path' = './examples/trades-with-live-prices/trades.csv',
  'trades.format' = 'csv',
  'trades.watch' = 'true',
  'trades.schema' = 'trade_id BIGINT, symbol STRING, qty INT',
  'job.checkpoint.interval' = '1s',

  'valued_trades.type' = 'file_sink',
  'valued_trades.path' = './examples/out/valued_trades.jsonl',
  'valued_trades.format' = 'jsonl'
);
