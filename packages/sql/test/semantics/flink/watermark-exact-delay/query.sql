-- A row exactly the allowed out-of-orderness (5 s) behind the largest time seen, in the last millisecond of its
-- window: after 00:14.999 the watermark is 00:09.999, and the row 00:09.999 arrives. Ferris closes [00:00, 00:10)
-- only when the watermark reaches 00:10, so the row counts (a delay of 5 s admits rows 5 s late, inclusive);
-- Flink SQL closes it when the watermark reaches the window's last millisecond and drops the row.
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
