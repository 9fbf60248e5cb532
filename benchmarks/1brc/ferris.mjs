// Ferris's side: examples/1brc/app.sql through runApplication and the file connector, in its own process so
// its peak memory (maxRSS) is its own. Prints one JSON line. Usage: node ferris.mjs INPUT OUTPUT_DIR
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fileConnector from '@ferris/connector-file/plugin'
import { ConnectorRegistry } from '@ferris/core'
import { runApplication } from '@ferris/sql'

const [input, dir] = process.argv.slice(2)
const sql = readFileSync(new URL('../../examples/1brc/app.sql', import.meta.url), 'utf8')
const registry = new ConnectorRegistry().register(fileConnector)
const cpu0 = process.cpuUsage()
const t0 = performance.now()
const result = await runApplication(sql, {
  registry,
  cwd: dir,
  set: {
    'measurements.path': input,
    'results.path': join(dir, 'results.csv'),
    'job.checkpoint.dir': join(dir, 'checkpoints'),
    'job.checkpoint.interval': '1h',
  },
})
const ms = performance.now() - t0
const u = process.cpuUsage(cpu0)
writeFileSync(
  1,
  `${JSON.stringify({
    ms,
    cpuMs: (u.user + u.system) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    read: result.jobs[0].sources.measurements.read,
    output: join(dir, 'results.csv'),
  })}\n`,
)
