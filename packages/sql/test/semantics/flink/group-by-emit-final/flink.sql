CREATE TABLE t (k STRING, v INT) WITH (
  'connector' = 'filesystem', 'path' = '${CASE_DIR}/input.csv', 'format' = 'csv', 'csv.null-literal' = ''
);
SELECT k, COUNT(*) AS n, COUNT(v) AS n_v, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi
FROM t
GROUP BY k;
