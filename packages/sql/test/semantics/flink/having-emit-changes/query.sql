-- HAVING with EMIT CHANGES, one row per batch: a passes (5), then fails (-5), so it is retracted (a DELETE of its
-- key, as Flink's -U without a +U after it) and only b is left; c never passes and is never sent.
SELECT k, SUM(v) AS total
FROM t
GROUP BY k
HAVING SUM(v) > 0
EMIT CHANGES
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header', 't.schema' = 'k STRING, v INT',
  't.batch_size' = '1'
)
