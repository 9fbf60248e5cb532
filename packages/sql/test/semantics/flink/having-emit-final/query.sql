-- HAVING with EMIT FINAL: the groups whose final sum is positive (b). a was positive for a while, c never.
SELECT k, SUM(v) AS total
FROM t
GROUP BY k
HAVING SUM(v) > 0
EMIT FINAL
WITH (
  't.type' = 'file_source', 't.path' = './input.csv', 't.format' = 'csv_no_header', 't.schema' = 'k STRING, v INT'
)
