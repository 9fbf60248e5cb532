-- EMIT FINAL on a bounded input: one row per group at the end, which is the state Flink's changelog ends in.
SELECT k, COUNT(*) AS n, COUNT(v) AS n_v, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi
FROM t
GROUP BY k
EMIT FINAL
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header',
  't.schema' = 'k STRING, v INT'
)
