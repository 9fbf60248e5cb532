// DuckDB's side: the same query over the same file, with the same exact half-up rounding of the mean (see
// examples/1brc/app.sql), in its own process. Prints one JSON line. Usage: node duckdb.mjs INPUT OUTPUT THREADS
import { writeFileSync } from 'node:fs'
import { DuckDBInstance } from '@duckdb/node-api'

const [input, output, threads] = process.argv.slice(2)
const db = await (await DuckDBInstance.create(':memory:', { threads: threads ?? '2' })).connect()
const cpu0 = process.cpuUsage()
const t0 = performance.now()
// S = the sum in tenths, N = the count: the mean in tenths is floor((2S + N) / 2N), on integers, with the
// floor written through a non-negative remainder as in app.sql (DuckDB's % keeps the dividend's sign).
await db.run(`COPY (
  SELECT station, min, CAST((x - ((x % d) + d) % d) // d / 10 AS DECIMAL(3, 1)) AS mean, max
  FROM (
    SELECT station, min(temperature) AS min, max(temperature) AS max,
      2 * CAST(sum(temperature) * 10 AS BIGINT) + count(*) AS x, 2 * count(*) AS d
    FROM read_csv('${input}', delim = ';', header = false, quote = '', escape = '',
      columns = {'station': 'VARCHAR', 'temperature': 'DECIMAL(3, 1)'})
    GROUP BY station
  )
  ORDER BY station
) TO '${output}' (FORMAT csv, HEADER true)`)
const ms = performance.now() - t0
const u = process.cpuUsage(cpu0)
writeFileSync(
  1,
  `${JSON.stringify({ ms, cpuMs: (u.user + u.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
)
