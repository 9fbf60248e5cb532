// One Ferris conversion in its own process, so its peak memory (maxRSS) is its own. Prints one JSON line.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fileConnector from '@ferris/connector-file/plugin'
import { ConnectorRegistry } from '@ferris/core'
import { runApplication } from '@ferris/sql'

const [input, output, dir] = process.argv.slice(2)
const app = `
CREATE STREAM converted AS SELECT * FROM readings
WITH (
  'readings.type' = 'file_source', 'readings.path' = '${input}', 'readings.format' = 'csv',
  'converted.type' = 'file_sink', 'converted.path' = '${output}', 'converted.format' = 'parquet',
  'converted.parquet_compression' = 'zstd',
  'job.checkpoint.dir' = '${join(dir, `ckpt-${Date.now()}`)}', 'job.checkpoint.interval' = '1h'
);`
const registry = new ConnectorRegistry().register(fileConnector)
const cpu0 = process.cpuUsage()
// CPU time of every thread (DuckDB's and the Parquet encoder's too): on a loaded machine wall time is mostly waiting.
const cpuMs = () => {
  const u = process.cpuUsage(cpu0)

  return (u.user + u.system) / 1000
}
const t0 = performance.now()
const result = await runApplication(app, { registry, cwd: dir })
const ms = performance.now() - t0
const cpu = cpuMs()
const rows = result.jobs[0].sink.written
writeFileSync(1, `${JSON.stringify({ ms, rows, maxRssMb: process.resourceUsage().maxRSS / 1024, cpuMs: cpu })}\n`)
