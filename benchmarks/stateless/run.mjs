#!/usr/bin/env node
// Stateless benchmark: a filter and a projection over one million six-column records, through the Ferris
// engine called directly, through the job runner with an in-memory source and sink, and in DuckDB on the
// same rows in the same run. Prints records per second and the ratios.
//
//   npx nx run-many -t build --projects=core,recovery,sql   # the script imports the built packages
//   node benchmarks/stateless/run.mjs [--rows 1000000] [--batch 1024] [--runs 3]

import { DuckDBInstance } from '@duckdb/node-api'
import { ConnectorRegistry, Schema, T } from '@ferris/core'
import { memoryPlugin } from '@ferris/core/testing'
import { Pipeline, plan, runApplication } from '@ferris/sql'

const args = {}
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i].startsWith('--')) args[process.argv[i].slice(2)] = process.argv[i + 1]
}
const ROWS = Number(args.rows ?? 1_000_000)
const BATCH = Number(args.batch ?? 1024)
const RUNS = Number(args.runs ?? 3)

const FILTER = "amount > 500 AND country = 'PT'"
const PROJECT = 'id, user_id, amount * qty AS total, UPPER(country) AS c, ts'
const SCHEMA = Schema.of(
  ['id', T.int64, false],
  ['user_id', T.int32],
  ['amount', T.float64],
  ['qty', T.int32],
  ['country', T.string],
  ['ts', T.timestamp('us')],
)

// ---------------------------------------------------------------- data: deterministic, same for every engine
const COUNTRIES = ['PT', 'DE', 'FR', 'ES', 'IT']
let seed = 42
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x7fffffff
}
const t0 = performance.now()
const rows = new Array(ROWS)
for (let i = 0; i < ROWS; i++) {
  rows[i] = [
    9_007_199_254_740_993n + BigInt(i),
    Math.floor(random() * 100_000),
    Math.round(random() * 100_000) / 100,
    1 + Math.floor(random() * 10),
    COUNTRIES[Math.floor(random() * COUNTRIES.length)],
    1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n,
  ]
}
const batches = []
for (let i = 0; i < ROWS; i += BATCH) batches.push({ schema: SCHEMA, rows: rows.slice(i, i + BATCH) })
console.log(
  `generated ${ROWS.toLocaleString()} rows x 6 columns in ${(performance.now() - t0).toFixed(0)} ms (batch ${BATCH})`,
)

function best(label, times, produced) {
  const ms = Math.min(...times)
  const rate = ROWS / (ms / 1000)
  console.log(
    `${label.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms  ${Math.round(rate).toLocaleString().padStart(12)} records/s  (${produced.toLocaleString()} rows out)`,
  )
  return rate
}

// ---------------------------------------------------------------- 1. the engine directly
const SQL = `SELECT ${PROJECT} FROM bench WHERE ${FILTER}`
const planned = await plan(`${SQL} WITH ('bench.uri' = 'memory://bench')`, { schemas: { bench: SCHEMA } })
const direct = []
let directOut = 0
for (let r = 0; r < RUNS; r++) {
  const pipeline = new Pipeline(planned.jobs[0].root, { queryStartNanos: 0n, timeZone: 'UTC' }, (e) => {
    throw e
  })
  const start = performance.now()
  let out = 0
  for (const b of batches) out += pipeline.process(b).rows.length
  direct.push(performance.now() - start)
  directOut = out
}

// ---------------------------------------------------------------- 2. the job runner, in-memory source and sink
// @ferris/core/testing's memory plugin: the source hands over the rows in batches of --batch (row checks
// off, the data is known to fit), the sink keeps what is committed.
const memory = memoryPlugin()
memory.store.set('bench', rows, SCHEMA)
const registry = new ConnectorRegistry().register(memory)
const { mkdtempSync } = await import('node:fs')
const { tmpdir } = await import('node:os')
const { join } = await import('node:path')
const cwd = mkdtempSync(join(tmpdir(), 'ferris-bench-'))
const runner = []
let runnerOut = 0
for (let r = 0; r < RUNS; r++) {
  memory.store.delete('out')
  const start = performance.now()
  await runApplication(
    `CREATE STREAM out AS ${SQL} WITH ('bench.uri' = 'memory://bench?validate=false&batch_size=${BATCH}', 'out.uri' = 'memory://out', 'job.name' = 'bench_${r}')`,
    { registry, cwd, checkpointIntervalMs: 60_000 },
  )
  runner.push(performance.now() - start)
  runnerOut = memory.store.rows('out').length
}

// ---------------------------------------------------------------- 3. DuckDB on the same rows
const duck = await (await DuckDBInstance.create(':memory:')).connect()
await duck.run(
  'CREATE TABLE bench (id BIGINT, user_id INTEGER, amount DOUBLE, qty INTEGER, country VARCHAR, ts BIGINT)',
)
const appender = await duck.createAppender('bench')
for (const row of rows) {
  appender.appendBigInt(row[0])
  appender.appendInteger(row[1])
  appender.appendDouble(row[2])
  appender.appendInteger(row[3])
  appender.appendVarchar(row[4])
  appender.appendBigInt(row[5])
  appender.endRow()
}
appender.flushSync()
appender.closeSync()
await duck.run('SET threads = 1')
const duckTimes = []
let duckOut = 0
for (let r = 0; r < RUNS; r++) {
  const start = performance.now()
  // Materialised into JS values, as the engine's rows are.
  const reader = await duck.runAndReadAll(`SELECT ${PROJECT} FROM bench WHERE ${FILTER}`)
  const out = reader.getRows()
  duckTimes.push(performance.now() - start)
  duckOut = out.length
}

console.log(
  `\nfilter: ${FILTER}\nproject: ${PROJECT}\nbest of ${RUNS} runs, one core for Ferris (Node ${process.version}), DuckDB SET threads = 1\n`,
)
const a = best('ferris engine (Pipeline.process)', direct, directOut)
const b = best('ferris runApplication (memory I/O)', runner, runnerOut)
const c = best('duckdb (materialised rows)', duckTimes, duckOut)
if (directOut !== duckOut || runnerOut !== duckOut) {
  console.error(`row counts differ: ferris ${directOut}/${runnerOut}, duckdb ${duckOut}`)
  process.exitCode = 1
}
console.log(
  `\nratio engine / duckdb: ${(a / c).toFixed(2)}   runner / duckdb: ${(b / c).toFixed(2)}   target: >= 1,000,000 records/s through the engine`,
)
