CREATE TABLE t (k STRING, v INT) WITH (
  'connector' = 'filesystem', 'path' = '${CASE_DIR}/input.csv', 'format' = 'csv', 'csv.null-literal' = ''
);
SELECT k, SUM(v) AS total
FROM t
GROUP BY k
HAVING SUM(v) > 0;
