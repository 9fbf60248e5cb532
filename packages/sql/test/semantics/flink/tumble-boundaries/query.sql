-- One-minute tumbling windows: rows exactly on a boundary belong to the window starting there; rows before 1970
-- (down to -60001 ms) go to the window at or below them (floor, not truncation toward zero).
SELECT k, window_start, window_end, COUNT(*) AS n, COUNT(v) AS n_v, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi
FROM t
GROUP BY k
WINDOW TUMBLING(ts, INTERVAL '1' MINUTE)
EMIT FINAL
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header',
  't.schema' = 'k STRING, ts TIMESTAMP(3), v INT', 't.watermark.delay' = '1h'
)
