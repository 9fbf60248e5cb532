CREATE TABLE t (k STRING, ts TIMESTAMP(3), s STRING, x DOUBLE) WITH (
  'connector' = 'filesystem', 'path' = '${CASE_DIR}/input.csv', 'format' = 'csv', 'csv.null-literal' = ''
);
SELECT
  k, STDDEV(x) AS sdev, VARIANCE(x) AS vari, MIN(ts) AS first_ts, MAX(ts) AS last_ts,
  COUNT(DISTINCT s) AS nd_s, LISTAGG(s) AS list_s, SUM(x) AS sum_x,
  FIRST_VALUE(x) AS first_x, LAST_VALUE(s) AS last_s, FIRST_VALUE(ts) AS first_seen
FROM t
GROUP BY k;
