-- A row exactly one gap (30 s) after the last row of its key's session: Ferris starts a new session (the session
-- is the half-open [first, last + gap), and the row is at its end); Flink merges it into the session.
SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS total
FROM t
GROUP BY k
WINDOW SESSION(ts, INTERVAL '30' SECOND)
EMIT FINAL
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header',
  't.schema' = 'k STRING, ts TIMESTAMP(3), v INT', 't.watermark.delay' = '1h'
)
