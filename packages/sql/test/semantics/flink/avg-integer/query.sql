-- AVG of INT and BIGINT columns. Ferris answers the exact mean as a DECIMAL(38, 6), as PostgreSQL answers a
-- NUMERIC (avg of 1 and 2 is 1.5000000000000000 there); Flink keeps the argument's type and truncates toward zero
-- (case.json, README.md).
SELECT k, AVG(i) AS avg_i, AVG(b) AS avg_b
FROM t
GROUP BY k
EMIT FINAL
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header',
  't.schema' = 'k STRING, i INT, b BIGINT'
)
