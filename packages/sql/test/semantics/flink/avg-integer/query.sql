-- AVG of INT and BIGINT columns. Ferris answers a DECIMAL(38, 6), as PostgreSQL answers a NUMERIC; Flink keeps
-- the argument's type and truncates toward zero (case.json, README.md).
SELECT k, AVG(i) AS avg_i, AVG(b) AS avg_b
FROM t
GROUP BY k
EMIT FINAL
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header',
  't.schema' = 'k STRING, i INT, b BIGINT'
)
