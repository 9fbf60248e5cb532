CREATE TABLE t (k STRING, ts TIMESTAMP(3), s STRING, x DOUBLE) WITH (
  'connector' = 'filesystem', 'path' = '${CASE_DIR}/input.csv', 'format' = 'csv', 'csv.null-literal' = ''
);
SELECT
  k, STDDEV(x) AS sdev, VARIANCE(x) AS vari, MIN(ts) AS first_ts, MAX(ts) AS last_ts,
  COUNT(DISTINCT s) AS nd_s, LISTAGG(s) AS list_s, SUM(x) AS sum_x
FROM t
GROUP BY k;
