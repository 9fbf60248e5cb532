-- EMIT CHANGES on a window: one UPDATE_AFTER per record (batches of one), keyed by k and window_start. The rows
-- an upserting sink keeps at the end are Flink's window results.
SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS total
FROM t
GROUP BY k
WINDOW TUMBLING(ts, INTERVAL '1' MINUTE)
EMIT CHANGES
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header',
  't.schema' = 'k STRING, ts TIMESTAMP(3), v INT', 't.watermark.delay' = '1h', 't.batch_size' = '1'
)
