-- 30-second sessions per key. Rows less than the gap apart share a session, across 1970 (b: 20.001 s apart);
-- a row more than the gap after the last one starts a new session (a: 50 s, 30.001 s).
SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS total
FROM t
GROUP BY k
WINDOW SESSION(ts, INTERVAL '30' SECOND)
EMIT FINAL
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header',
  't.schema' = 'k STRING, ts TIMESTAMP(3), v INT', 't.watermark.delay' = '1h'
)
