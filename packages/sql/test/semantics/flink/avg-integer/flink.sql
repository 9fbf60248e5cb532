CREATE TABLE t (k STRING, i INT, b BIGINT) WITH (
  'connector' = 'filesystem', 'path' = '${CASE_DIR}/input.csv', 'format' = 'csv', 'csv.null-literal' = ''
);
SELECT k, AVG(i) AS avg_i, AVG(b) AS avg_b
FROM t
GROUP BY k;
