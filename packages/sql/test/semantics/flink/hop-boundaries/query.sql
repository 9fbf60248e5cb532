-- Two-minute windows every minute (Ferris SLIDING(ts, size, advance), Flink HOP(data, ts, slide, size)): each
-- row is in the two windows whose start is a multiple of a minute within two minutes at or before it.
SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi
FROM t
GROUP BY k
WINDOW SLIDING(ts, INTERVAL '2' MINUTE, INTERVAL '1' MINUTE)
EMIT FINAL
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header',
  't.schema' = 'k STRING, ts TIMESTAMP(3), v INT', 't.watermark.delay' = '1h'
)
