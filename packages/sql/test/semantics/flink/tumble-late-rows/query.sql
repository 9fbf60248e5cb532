-- Ten-second windows, watermark = largest time seen - 5 s, moved after every row (batches of one row), rows
-- dropped once every window they belong to has closed. Counted although out of order: a 00:08 (watermark 00:07),
-- b 00:07, b 00:11 (watermark 00:11: [00:10, 00:20) still open), a 00:29 (watermark 00:26). Dropped as late:
-- a 00:09 and b 00:02 (watermark 00:10 and 00:11 closed [00:00, 00:10)), a 00:19 (watermark 00:26).
SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS total
FROM t
GROUP BY k
WINDOW TUMBLING(ts, INTERVAL '10' SECOND)
EMIT FINAL
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header',
  't.schema' = 'k STRING, ts TIMESTAMP(3), v INT', 't.watermark.delay' = '5s', 't.batch_size' = '1',
  'job.late_records' = 'drop'
)
