#!/usr/bin/env node
// Event-time windows and a stream-to-table join through the Ferris engine, beside DuckDB on the same rows
// in the same run. Results are compared exactly before any number is printed.
//
//   npx nx run-many -t build --projects=core,recovery,sql
//   node benchmarks/windows-joins/run.mjs [--rows 1000000] [--keys 100] [--customers 10000] [--batch 1024] [--runs 3]

import { DuckDBInstance } from '@duckdb/node-api'
import { Schema, T } from '@ferris/core'
import { Pipeline, plan, TableState } from '@ferris/sql'

const args = {}
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i].startsWith('--')) args[process.argv[i].slice(2)] = process.argv[i + 1]
}
const ROWS = Number(args.rows ?? 1_000_000)
const KEYS = Number(args.keys ?? 100)
const CUSTOMERS = Number(args.customers ?? 10_000)
const BATCH = Number(args.batch ?? 1024)
const RUNS = Number(args.runs ?? 3)
const MS = 1_000_000n

// Events: key i % KEYS, one per millisecond from the epoch (in order), value ((i * 7919) % 1999) - 999.
// The same formulas feed DuckDB through range(n).
const value = (i) => ((i * 7919) % 1999) - 999
const EVENTS = Schema.of(['k', T.string, false], ['ts', T.timestamp('ms'), false], ['v', T.int64, false])
const ORDERS = Schema.of(['id', T.int64, false], ['customer_id', T.int64, false], ['amount', T.int64, false])
const CUSTOMERS_SCHEMA = Schema.of(['id', T.int64, false], ['country', T.string, false])
const keyNames = Array.from({ length: KEYS }, (_, k) => `k-${k}`)
const countries = ['PT', 'DE', 'FR', 'ES', 'IT', 'NL', 'PL']

const t0 = performance.now()
const events = []
const orders = []
for (let start = 0; start < ROWS; start += BATCH) {
  const ev = []
  const or = []
  for (let i = start; i < Math.min(ROWS, start + BATCH); i++) {
    ev.push([keyNames[i % KEYS], BigInt(i) * MS, BigInt(value(i))])
    or.push([BigInt(i), BigInt((i * 31) % (CUSTOMERS + CUSTOMERS / 10)), BigInt(value(i))])
  }
  events.push({ schema: EVENTS, rows: ev })
  orders.push({ schema: ORDERS, rows: or })
}
const customers = {
  schema: CUSTOMERS_SCHEMA,
  rows: Array.from({ length: CUSTOMERS }, (_, c) => [BigInt(c), countries[c % countries.length]]),
}
console.log(`generated ${ROWS.toLocaleString()} events and orders in ${(performance.now() - t0).toFixed(0)} ms`)

const WINDOWED = `SELECT k, window_start, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi FROM events
  GROUP BY k WINDOW TUMBLING(ts, INTERVAL '1' MINUTE)`
const JOIN = 'SELECT o.id, c.country, o.amount FROM orders o JOIN customers c ON o.customer_id = c.id'

async function run(sql, schemas, inputs, table) {
  const p = await plan(sql, { schemas })
  const times = []
  let latest
  let emitted = 0
  for (let r = 0; r < RUNS; r++) {
    // The lookup table as the job holds it: a TableState filled before the stream, which the join reads.
    const tables = new Map((p.jobs[0].tables ?? []).map((t) => [t.name, new TableState(t)]))
    if (table !== undefined) tables.get('customers').apply(table)
    const pipeline = new Pipeline(
      p.jobs[0].root,
      { queryStartNanos: 0n, timeZone: 'UTC' },
      (e) => {
        throw e
      },
      {},
      tables,
    )
    latest = new Map()
    const outputs = []
    emitted = 0
    const start = performance.now()
    const keep = (out) => {
      emitted += out.rows.length
      outputs.push(out)
    }
    for (const b of inputs) keep(pipeline.process(b))
    for (const out of pipeline.finish()) keep(out)
    times.push(performance.now() - start)
    // Untimed: the last row per key, as an upserting sink would keep it, for the check.
    for (const out of outputs)
      for (const row of out.rows) latest.set(table === undefined ? `${row[0]}|${row[1]}` : row[0], row)
  }
  return { ms: Math.min(...times), latest, emitted }
}

const WITH_EVENTS = " WITH ('events.uri' = 'memory://events')"
const final = await run(`${WINDOWED} EMIT FINAL${WITH_EVENTS}`, { events: EVENTS }, events)
const changes = await run(`${WINDOWED} EMIT CHANGES${WITH_EVENTS}`, { events: EVENTS }, events)
const joined = await run(
  `${JOIN} WITH ('orders.uri' = 'memory://orders', 'customers.uri' = 'memory://customers')`,
  { orders: ORDERS, customers: CUSTOMERS_SCHEMA },
  orders,
  customers,
)

const duck = await (await DuckDBInstance.create(':memory:')).connect()
await duck.run(`CREATE TABLE events AS SELECT 'k-' || (i % ${KEYS}) AS k, i AS ts_ms,
  CAST(((i * 7919) % 1999) - 999 AS BIGINT) AS v FROM range(${ROWS}) t(i)`)
await duck.run(`CREATE TABLE orders AS SELECT i AS id, (i * 31) % ${CUSTOMERS + CUSTOMERS / 10} AS customer_id,
  CAST(((i * 7919) % 1999) - 999 AS BIGINT) AS amount FROM range(${ROWS}) t(i)`)
await duck.run(`CREATE TABLE customers AS SELECT i AS id,
  list_extract(['${countries.join("','")}'], (i % ${countries.length}) + 1) AS country FROM range(${CUSTOMERS}) t(i)`)
await duck.run('SET threads = 1')
async function duckdb(sql) {
  const times = []
  let rows
  for (let r = 0; r < RUNS; r++) {
    const start = performance.now()
    rows = (await duck.runAndReadAll(sql)).getRows()
    times.push(performance.now() - start)
  }
  return { ms: Math.min(...times), rows }
}
const duckWindows = await duckdb(`SELECT k, (ts_ms // 60000) * 60000 AS window_start, COUNT(*), SUM(v), MIN(v), MAX(v)
  FROM events GROUP BY ALL`)
const duckJoin = await duckdb('SELECT o.id, c.country, o.amount FROM orders o JOIN customers c ON o.customer_id = c.id')

// Check before reporting.
let mismatches = 0
const differ = (label, a, b) => {
  if (mismatches++ < 5) console.error(`${label}: ferris ${a} duckdb ${b}`)
}
for (const [label, result] of [
  ['FINAL', final],
  ['CHANGES', changes],
]) {
  if (result.latest.size !== duckWindows.rows.length)
    differ(`${label} windows`, result.latest.size, duckWindows.rows.length)
  for (const [k, startMs, n, total, lo, hi] of duckWindows.rows) {
    const row = result.latest.get(`${k}|${BigInt(startMs) * MS}`)
    const want = [n, total, lo, hi].map(String).join(',')
    const got = row?.slice(2).map(String).join(',')
    if (got !== want) differ(`${label} ${k} ${startMs}`, got, want)
  }
}
if (joined.emitted !== duckJoin.rows.length) differ('join rows', joined.emitted, duckJoin.rows.length)
for (const [id, country, amount] of duckJoin.rows) {
  const row = joined.latest.get(BigInt(id))
  if (row === undefined || row[1] !== country || row[2] !== BigInt(amount))
    differ(`join ${id}`, row?.map(String), [id, country, amount])
}

const rate = (ms) =>
  Math.round(ROWS / (ms / 1000))
    .toLocaleString()
    .padStart(12)
const line = (label, ms, out) =>
  console.log(`${label.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms ${rate(ms)} records/s  (${out} rows out)`)
console.log(`\nbest of ${RUNS} runs; Ferris on one core (Node ${process.version}), DuckDB SET threads = 1\n`)
console.log(`${WINDOWED.replace(/\s+/g, ' ')}   [${KEYS} keys, 1-minute windows]`)
line('ferris EMIT FINAL', final.ms, final.emitted)
line('ferris EMIT CHANGES', changes.ms, changes.emitted)
line('duckdb (GROUP BY minute)', duckWindows.ms, duckWindows.rows.length)
console.log(`\n${JOIN}   [${CUSTOMERS} customers, ~9% of orders unmatched]`)
line('ferris join', joined.ms, joined.emitted)
line('duckdb join', duckJoin.ms, duckJoin.rows.length)
console.log(
  `\nwindows: EMIT CHANGES / EMIT FINAL ${(final.ms / changes.ms).toFixed(2)} (target >= 0.33), ferris FINAL / duckdb ${(duckWindows.ms / final.ms).toFixed(2)}; join: ferris / duckdb ${(duckJoin.ms / joined.ms).toFixed(2)}; results ${mismatches === 0 ? 'match' : `DIFFER (${mismatches})`}`,
)
if (mismatches > 0) process.exitCode = 1
