-- The One Billion Row Challenge (https://github.com/gunnarmorling/1brc): the minimum, mean and maximum
-- temperature per weather station, over `station;temperature` lines such as `Hamburg;12.0`.
--
--   node examples/1brc/generate.mjs --rows 1000000
--   ferris run examples/1brc/app.sql
--
-- Relative paths are resolved from the folder you run ferris in (the repository root here).

-- The input, declared: no header, `;` between the fields. DECIMAL(3,1) keeps every reading exact, so the
-- sums below are exact too (no floating point anywhere).
CREATE STREAM measurements (station STRING NOT NULL, temperature DECIMAL(3,1) NOT NULL)
WITH (
  'measurements.type' = 'file_source',
  'measurements.path' = './examples/1brc/measurements.txt',
  'measurements.format' = 'csv_no_header',
  'measurements.delimiter' = ';'
);

-- The challenge prints the mean rounded to one decimal the way Java's Math.round(mean * 10) / 10 does:
-- half up, toward positive infinity (-1.25 becomes -1.2, 1.25 becomes 1.3). With S the sum of the readings
-- in tenths and N their count, that is floor(S / N + 1/2) = floor((2S + N) / 2N) tenths. SQL's integer `/`
-- truncates toward zero, so the floor is written with the remainder made non-negative:
--   floor(x / d) = (x - ((x % d) + d) % d) / d        for d > 0
-- with x = 2S + N and d = 2N. This is the rule computed exactly; the reference solution evaluates it in
-- doubles, which can only differ from it when S / N is within a double's rounding error of a tie.
CREATE STREAM results AS
SELECT
  station,
  MIN(temperature) AS min,
  CAST(
    CAST(
      ((2 * CAST(SUM(temperature) * 10 AS BIGINT) + COUNT(*))
        - (((2 * CAST(SUM(temperature) * 10 AS BIGINT) + COUNT(*)) % (2 * COUNT(*)) + 2 * COUNT(*)) % (2 * COUNT(*))))
      / (2 * COUNT(*))
    AS DECIMAL(20, 0)) / 10
  AS DECIMAL(3, 1)) AS mean,
  MAX(temperature) AS max
FROM measurements
GROUP BY station
EMIT FINAL
WITH (
  'results.type' = 'file_sink',
  'results.path' = './examples/out/1brc-results.csv',
  'results.format' = 'csv'
);
