-- Every aggregate over groups with some NULLs (a), only NULLs (b), a NULL key, and one row (c).
SELECT
  g,
  COUNT(*) AS n, COUNT(i) AS n_i, COUNT(DISTINCT i) AS nd_i,
  SUM(i) AS sum_i, SUM(b) AS sum_b, SUM(d) AS sum_d,
  AVG(d) AS avg_d, AVG(x) AS avg_x,
  MIN(i) AS min_i, MAX(i) AS max_i, MIN(s) AS min_s, MAX(s) AS max_s, MIN(d) AS min_d, MAX(d) AS max_d,
  STDDEV_POP(x) AS sdev_pop, STDDEV_SAMP(x) AS sdev_samp, VAR_POP(x) AS vari_pop, VAR_SAMP(x) AS vari_samp,
  FIRST_VALUE(s) AS first_s, LAST_VALUE(s) AS last_s, LISTAGG(s, ';') AS list_s,
  COUNT(*) FILTER (WHERE i > 1) AS n_big, SUM(b) FILTER (WHERE i > 1) AS sum_b_big
FROM t
GROUP BY g
EMIT CHANGES
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header', 't.batch_size' = '1',
  't.schema' = 'g STRING, i INT, b BIGINT, d DECIMAL(10, 2), x DOUBLE, s STRING'
)
