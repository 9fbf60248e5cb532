-- HAVING with EMIT CHANGES, one row per batch: a passes (5), then fails (-5). Flink retracts a (-U, no +U), so only b is
-- left; Ferris drops the failing change and the upserting sink keeps a's last passing row. A known limitation
-- (packages/sql README): a group that stops satisfying HAVING is not retracted.
SELECT k, SUM(v) AS total
FROM t
GROUP BY k
HAVING SUM(v) > 0
EMIT CHANGES
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header', 't.schema' = 'k STRING, v INT',
  't.batch_size' = '1'
)
