CREATE TABLE t (k STRING, ts TIMESTAMP(3), v INT, WATERMARK FOR ts AS ts - INTERVAL '1' HOUR) WITH (
  'connector' = 'filesystem', 'path' = '${CASE_DIR}/input.csv', 'format' = 'csv', 'csv.null-literal' = ''
);
SELECT k, window_start, window_end, COUNT(*) AS n, COUNT(v) AS n_v, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi
FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY k, window_start, window_end;
