-- Two sessions of a (00:00 and 00:50, 30 s gap) merged by a row between them (00:25), under EMIT CHANGES with
-- one row per batch. Flink's session windows give one row at the end, [00:00, 01:20). Ferris emits each session
-- as it grows, then the merged one (keyed by its window_start, 00:00) and a DELETE of the session it replaced
-- ([00:50, 01:20)), so an upserting sink ends with Flink's rows.
SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS total
FROM t
GROUP BY k
WINDOW SESSION(ts, INTERVAL '30' SECOND)
EMIT CHANGES
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header',
  't.schema' = 'k STRING, ts TIMESTAMP(3), v INT', 't.watermark.delay' = '1h', 't.batch_size' = '1'
)
