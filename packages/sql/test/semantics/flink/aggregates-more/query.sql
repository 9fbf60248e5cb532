-- More aggregates: the STDDEV and VARIANCE spellings, MIN and MAX of timestamps (before 1970 too), COUNT of
-- distinct strings, LISTAGG with its default separator (a comma, so the result needs quoting), FIRST_VALUE and
-- LAST_VALUE where the first or last value is NULL (both skip NULLs), over groups with NULLs (a), only NULLs (b)
-- and one row (c). EMIT FINAL.
SELECT
  k, STDDEV(x) AS sdev, VARIANCE(x) AS vari, MIN(ts) AS first_ts, MAX(ts) AS last_ts,
  COUNT(DISTINCT s) AS nd_s, LISTAGG(s) AS list_s, SUM(x) AS sum_x,
  FIRST_VALUE(x) AS first_x, LAST_VALUE(s) AS last_s, FIRST_VALUE(ts) AS first_seen
FROM t
GROUP BY k
EMIT FINAL
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header',
  't.schema' = 'k STRING, ts TIMESTAMP(3), s STRING, x DOUBLE'
)
