#!/usr/bin/env node
// Grouped aggregation benchmark: the weather-station query (MIN/AVG/MAX temperature per station) with
// EMIT FINAL and EMIT CHANGES through the Ferris engine, beside DuckDB on the same rows in the same run.
// The results are compared (MIN and MAX exactly, AVG rounded to one decimal) before any number is printed.
//
//   npx nx run-many -t build --projects=core,recovery,sql
//   node benchmarks/aggregate/run.mjs [--rows 1000000] [--stations 400] [--batch 1024] [--runs 3]

import { DuckDBInstance } from '@duckdb/node-api'
import { Decimal, Schema, T } from '@ferris/core'
import { Pipeline, plan } from '@ferris/sql'

const args = {}
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i].startsWith('--')) args[process.argv[i].slice(2)] = process.argv[i + 1]
}
const ROWS = Number(args.rows ?? 1_000_000)
const STATIONS = Number(args.stations ?? 400)
const BATCH = Number(args.batch ?? 1024)
const RUNS = Number(args.runs ?? 3)

// The same formula feeds both engines: station i % STATIONS, temperature in [-99.9, 99.9] with one decimal.
const tempTenths = (i) => ((i * 7919) % 1999) - 999
const SCHEMA = Schema.of(['station', T.string, false], ['temp', T.decimal(4, 1), false])
const names = Array.from({ length: STATIONS }, (_, s) => `station-${s}`)
const t0 = performance.now()
const batches = []
for (let start = 0; start < ROWS; start += BATCH) {
  const rows = []
  for (let i = start; i < Math.min(ROWS, start + BATCH); i++)
    rows.push([names[i % STATIONS], new Decimal(BigInt(tempTenths(i)), 1)])
  batches.push({ schema: SCHEMA, rows })
}
console.log(
  `generated ${ROWS.toLocaleString()} rows, ${STATIONS} stations in ${(performance.now() - t0).toFixed(0)} ms`,
)

const QUERY = 'SELECT station, MIN(temp) AS lo, AVG(temp) AS mean, MAX(temp) AS hi FROM readings GROUP BY station'

async function ferris(emit) {
  const p = await plan(`${QUERY} EMIT ${emit} WITH ('readings.uri' = 'memory://readings')`, {
    schemas: { readings: SCHEMA },
  })
  const times = []
  let final
  let emitted = 0
  for (let r = 0; r < RUNS; r++) {
    const pipeline = new Pipeline(p.jobs[0].root, { queryStartNanos: 0n, timeZone: 'UTC' }, (e) => {
      throw e
    })
    const latest = new Map()
    emitted = 0
    const start = performance.now()
    for (const b of batches) {
      const out = pipeline.process(b)
      emitted += out.rows.length
      if (emit === 'CHANGES') for (const row of out.rows) latest.set(row[0], row)
    }
    for (const out of pipeline.finish()) {
      emitted += out.rows.length
      for (const row of out.rows) latest.set(row[0], row)
    }
    times.push(performance.now() - start)
    final = latest
  }
  return { ms: Math.min(...times), final, emitted }
}

const finalRun = await ferris('FINAL')
const changesRun = await ferris('CHANGES')

const duck = await (await DuckDBInstance.create(':memory:')).connect()
await duck.run(
  `CREATE TABLE readings AS SELECT 'station-' || (i % ${STATIONS}) AS station,
     CAST((((i * 7919) % 1999) - 999) / 10 AS DECIMAL(4, 1)) AS temp FROM range(${ROWS}) t(i)`,
)
await duck.run('SET threads = 1')
const duckTimes = []
let duckRows
for (let r = 0; r < RUNS; r++) {
  const start = performance.now()
  duckRows = (await duck.runAndReadAll(QUERY.replace('FROM readings', 'FROM readings'))).getRows()
  duckTimes.push(performance.now() - start)
}

// Check before reporting: every station, MIN and MAX exact, AVG equal after rounding to one decimal.
let mismatches = 0
for (const [station, lo, mean, hi] of duckRows) {
  for (const [label, run] of [
    ['FINAL', finalRun],
    ['CHANGES', changesRun],
  ]) {
    const row = run.final.get(station)
    const ok =
      row !== undefined &&
      row[1].toString() === String(lo) &&
      row[3].toString() === String(hi) &&
      Number(row[2].toString()).toFixed(1) === Number(mean).toFixed(1)
    if (!ok && mismatches++ < 5)
      console.error(`${label} ${station}: ferris ${row?.map(String)} duckdb ${[lo, mean, hi].map(String)}`)
  }
}
if (duckRows.length !== finalRun.final.size) mismatches++
const rate = (ms) =>
  Math.round(ROWS / (ms / 1000))
    .toLocaleString()
    .padStart(12)
console.log(`\n${QUERY}\nbest of ${RUNS} runs; Ferris on one core (Node ${process.version}), DuckDB SET threads = 1\n`)
console.log(
  `ferris EMIT FINAL    ${finalRun.ms.toFixed(0).padStart(6)} ms ${rate(finalRun.ms)} records/s  (${finalRun.emitted} rows out)`,
)
console.log(
  `ferris EMIT CHANGES  ${changesRun.ms.toFixed(0).padStart(6)} ms ${rate(changesRun.ms)} records/s  (${changesRun.emitted} rows out)`,
)
const duckMs = Math.min(...duckTimes)
console.log(
  `duckdb               ${duckMs.toFixed(0).padStart(6)} ms ${rate(duckMs)} records/s  (${duckRows.length} rows out)`,
)
console.log(
  `\nEMIT CHANGES / EMIT FINAL: ${(finalRun.ms / changesRun.ms).toFixed(2)} (target >= 0.33)   ferris FINAL / duckdb: ${(duckMs / finalRun.ms).toFixed(2)}   results ${mismatches === 0 ? 'match' : `DIFFER (${mismatches})`}`,
)
if (mismatches > 0) process.exitCode = 1
