// The reference: DuckDB converting the same CSV to Parquet (zstd), in its own process. Prints one JSON line.
import { writeFileSync } from 'node:fs'
import { DuckDBInstance } from '@duckdb/node-api'

const [input, output, threads] = process.argv.slice(2)
const db = await (await DuckDBInstance.create(':memory:', { threads: threads ?? '2' })).connect()
const cpu0 = process.cpuUsage()
// CPU time of every thread (DuckDB's and the Parquet encoder's too): on a loaded machine wall time is mostly waiting.
const cpuMs = () => {
  const u = process.cpuUsage(cpu0)

  return (u.user + u.system) / 1000
}
const t0 = performance.now()
await db.run(
  `COPY (SELECT * FROM read_csv('${input}', header = true)) TO '${output}' (FORMAT parquet, COMPRESSION zstd)`,
)
const ms = performance.now() - t0
const cpu = cpuMs()
const count = (await db.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${output}')`)).getRowObjects()[0].n
writeFileSync(
  1,
  `${JSON.stringify({ ms, rows: Number(count), maxRssMb: process.resourceUsage().maxRSS / 1024, cpuMs: cpu })}\n`,
)
