#!/usr/bin/env node
// ClickHouse sink benchmark: the same rows inserted into the same kind of table, in the same run, by
// @ferris/connector-clickhouse's sink (typed values encoded to JSONEachRow, blocks of --block rows, inserted
// at commit) and by the raw @clickhouse/client (`insert` of plain JS objects in JSONEachRow, the same block
// size; it converts the same typed rows to those objects inside its timed section). Prints rows per second of each and the ratio. Needs the server: tools/services/clickhouse/start.
//
//   npx tsc -p packages/core/tsconfig.build.json && npx tsc -p packages/connector-clickhouse/tsconfig.build.json
//   node benchmarks/clickhouse/run.mjs [--rows 500000] [--block 100000] [--runs 3] [--uri clickhouse://127.0.0.1:18123/ferris]

import { createClient } from '@clickhouse/client'
import { ClickhouseSink, clickhouseFromConnectionString, clickhouseOptions } from '@ferris/connector-clickhouse'
import { connectorOptions, Decimal, parseConnectionString, Schema, T } from '@ferris/core'
import { createTestContext } from '@ferris/core/testing'

const args = {}
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i].startsWith('--')) args[process.argv[i].slice(2)] = process.argv[i + 1]
}
const ROWS = Number(args.rows ?? 500_000)
const BLOCK = Number(args.block ?? 100_000)
const RUNS = Number(args.runs ?? 3)
const BATCH = 1024
const URI = args.uri ?? 'clickhouse://127.0.0.1:18123/ferris'
const base = clickhouseFromConnectionString(parseConnectionString(URI))

const SCHEMA = Schema.of(
  ['id', T.int64, false],
  ['user_id', T.int32, false],
  ['amount', T.decimal(18, 4), false],
  ['price', T.float64, false],
  ['country', T.string, false],
  ['day', T.date, false],
)
const DDL = (name) =>
  `CREATE TABLE ${name} (id Int64, user_id Int32, amount Decimal(18, 4), price Float64, country String, day Date) ENGINE = MergeTree ORDER BY id`

// ---------------------------------------------------------------- data: the same values for both writers
const COUNTRIES = ['PT', 'DE', 'FR', 'ES', 'IT']
let seed = 42
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x7fffffff
}
const typed = new Array(ROWS)
for (let i = 0; i < ROWS; i++) {
  const id = 9_007_199_254_740_993n + BigInt(i)
  const user = Math.floor(random() * 100_000)
  const cents = BigInt(Math.floor(random() * 10_000_000))
  const price = Math.round(random() * 100_000) / 100
  const country = COUNTRIES[i % COUNTRIES.length]
  const day = 19_000 + (i % 365)
  typed[i] = [id, user, new Decimal(cents, 4), price, country, day]
}

/**
 * What a careful raw-client user sends for a typed row, converted inside the raw side's timed section (both
 * sides start from the same typed values): 64-bit ids as exact strings, dates as text, and decimals as JS
 * numbers (18.16 cannot read quoted decimals; these have few enough digits to print exactly).
 */
function toPlain(row) {
  return {
    id: row[0].toString(),
    user_id: row[1],
    amount: Number(row[2].toString()),
    price: row[3],
    country: row[4],
    day: new Date(row[5] * 86_400_000).toISOString().slice(0, 10),
  }
}

const client = createClient({ url: base.url, database: base.database })
const names = []
async function freshTable(prefix) {
  const name = `bench_${prefix}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`
  names.push(name)
  await client.command({ query: DDL(name) })

  return name
}
async function count(name) {
  const rs = await client.query({ query: `SELECT count() AS n FROM ${name}`, format: 'JSONEachRow' })
  return Number((await rs.json())[0].n)
}

async function ferris() {
  const table = await freshTable('ferris')
  const options = connectorOptions(clickhouseOptions)
    .merge({ ...base, table, batch_rows: String(BLOCK) })
    .build('bench')
  const { context } = createTestContext({ policy: 'fail' })
  const t0 = performance.now()
  const sink = new ClickhouseSink(options, context)
  await sink.open()
  await sink.validateSchema(SCHEMA)
  const writer = await sink.createWriter({ schema: SCHEMA, jobId: 'bench' })
  const t1 = performance.now()
  for (let i = 0; i < ROWS; i += BATCH) await writer.write({ schema: SCHEMA, rows: typed.slice(i, i + BATCH) })
  const t2 = performance.now()
  await writer.commit({ checkpointId: 1, positions: {} })
  if (process.env.BENCH_PHASES)
    console.log(
      `  open ${(t1 - t0).toFixed(0)} ms, write ${(t2 - t1).toFixed(0)} ms, commit ${(performance.now() - t2).toFixed(0)} ms`,
    )
  const ms = performance.now() - t0
  await writer.close()
  await sink.close()
  if ((await count(table)) !== ROWS) throw new Error(`ferris wrote ${await count(table)} rows, not ${ROWS}`)

  return ms
}

async function raw() {
  const table = await freshTable('raw')
  const t0 = performance.now()
  for (let i = 0; i < ROWS; i += BLOCK) {
    await client.insert({ table, values: typed.slice(i, i + BLOCK).map(toPlain), format: 'JSONEachRow' })
  }
  const ms = performance.now() - t0
  if ((await count(table)) !== ROWS) throw new Error(`raw client wrote ${await count(table)} rows, not ${ROWS}`)

  return ms
}

const times = { ferris: [], raw: [] }
try {
  // Alternate, so server-side merges and caches weigh on both alike; the first pair warms up and is dropped.
  for (let run = 0; run <= RUNS; run++) {
    const r = await raw()
    const f = await ferris()
    if (run === 0) continue
    times.raw.push(r)
    times.ferris.push(f)
  }
} finally {
  for (const name of names) await client.command({ query: `DROP TABLE IF EXISTS ${name}` })
  await client.close()
}
const best = (xs) => Math.min(...xs)
const rate = (ms) => Math.round(ROWS / (ms / 1000)).toLocaleString()
const version = await (async () => {
  const c = createClient({ url: base.url })
  const rs = await c.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })
  const v = (await rs.json())[0].v
  await c.close()
  return v
})()
console.log(
  `ClickHouse ${version}, ${ROWS.toLocaleString()} rows x 6 columns, blocks of ${BLOCK.toLocaleString()}, best of ${RUNS}`,
)
console.log(`raw @clickhouse/client insert: ${best(times.raw).toFixed(0)} ms  (${rate(best(times.raw))} rows/s)`)
console.log(`ferris clickhouse sink:        ${best(times.ferris).toFixed(0)} ms  (${rate(best(times.ferris))} rows/s)`)
console.log(`ratio ferris / raw time: ${(best(times.ferris) / best(times.raw)).toFixed(2)}`)
