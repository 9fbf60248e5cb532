-- More aggregates: the STDDEV and VARIANCE spellings, MIN and MAX of timestamps (before 1970 too), COUNT of
-- distinct strings, LISTAGG with its default separator (a comma, so the result needs quoting), over groups with
-- NULLs (a), only NULLs (b) and one row (c). EMIT FINAL.
SELECT
  k, STDDEV(x) AS sdev, VARIANCE(x) AS vari, MIN(ts) AS first_ts, MAX(ts) AS last_ts,
  COUNT(DISTINCT s) AS nd_s, LISTAGG(s) AS list_s, SUM(x) AS sum_x
FROM t
GROUP BY k
EMIT FINAL
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header',
  't.schema' = 'k STRING, ts TIMESTAMP(3), s STRING, x DOUBLE'
)
