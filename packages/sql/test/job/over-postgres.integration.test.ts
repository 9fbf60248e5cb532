/**
 * Window functions checked against PostgreSQL itself: the same bounded input goes into a PostgreSQL table
 * and into a Ferris job, the same OVER expressions run on both, and every value of every row must match.
 * Needs the server of `tools/services/postgres/start` (FERRIS_PG_URL overrides its address).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Decimal, type Row, Schema, T, type Value } from '@ferris/core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { setup } from '../support/fixtures.js'

const PG_URL = process.env.FERRIS_PG_URL ?? 'postgresql://ferris:ferris@127.0.0.1:15432/ferris'
const SCHEMA = Schema.of(
  ['id', T.int64],
  ['k', T.string],
  ['ts', T.timestamp('ms')],
  ['x', T.int64],
  ['d', T.decimal(10, 2)],
  ['f', T.float64],
)
const MS = 1_000_000n
const N = 600

/**
 * Rows whose event times are one minute apart, arriving up to 8 minutes out of order (within blocks of 9),
 * with NULL partition keys, NULL values, ties in x and fractional doubles.
 */
function input(): Row[] {
  const rows: Row[] = Array.from({ length: N }, (_, i) => [
    BigInt(i + 1),
    i % 13 === 5 ? null : ['a', 'b', 'c'][(i * 7) % 3]!,
    BigInt(i) * 60_000n * MS + 1_700_000_000_000n * MS,
    i % 11 === 3 ? null : BigInt(((i * 13) % 17) - 8),
    i % 9 === 4 ? null : new Decimal(BigInt(((i * 7919) % 20001) - 10000), 2),
    ((i * 31) % 97) / 10 + i / 3,
  ])
  const arrival: Row[] = []
  for (let b = 0; b < rows.length; b += 9) arrival.push(...rows.slice(b, b + 9).reverse())

  return arrival
}

interface Case {
  readonly name: string
  /** Select items in Ferris. */
  readonly ferris: readonly string[]
  /** The same in PostgreSQL, where its spelling differs (AVG rounded to the 6 digits of Ferris's DECIMAL(38, 6)). */
  readonly postgres?: readonly string[]
}

const W = 'OVER (PARTITION BY k ORDER BY ts)'
const CASES: Case[] = [
  {
    name: 'ranking with ties, NULL partition keys and NULLs ordered last',
    ferris: [
      'ROW_NUMBER() OVER (PARTITION BY k ORDER BY x, id)',
      'RANK() OVER (PARTITION BY k ORDER BY x)',
      'DENSE_RANK() OVER (PARTITION BY k ORDER BY x)',
      'RANK() OVER (ORDER BY x DESC)',
      'DENSE_RANK() OVER (PARTITION BY k ORDER BY x DESC NULLS LAST)',
    ],
  },
  {
    name: 'LAG and LEAD in event-time order, with offsets and defaults',
    ferris: [
      `LAG(x) ${W}`,
      `LAG(x, 2, -1) ${W}`,
      `LEAD(x) ${W}`,
      `LEAD(d, 3, 0) ${W}`,
      `LAG(f, 0) ${W}`,
      `LEAD(id, 5) ${W}`,
    ],
  },
  {
    name: 'moving aggregates over n PRECEDING rows',
    ferris: [
      'SUM(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)',
      'COUNT(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)',
      'COUNT(*) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)',
      'MIN(d) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)',
      'MAX(d) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND 2 PRECEDING)',
      'AVG(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)',
      'AVG(d) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)',
      'SUM(f) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)',
      'AVG(f) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)',
    ],
    postgres: [
      'SUM(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)',
      'COUNT(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)',
      'COUNT(*) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)',
      'MIN(d) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)',
      'MAX(d) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 5 PRECEDING AND 2 PRECEDING)',
      'ROUND(AVG(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW), 6)',
      'ROUND(AVG(d) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), 6)',
      'SUM(f) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)',
      'AVG(f) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)',
    ],
  },
  {
    name: 'running totals (the default frame and UNBOUNDED PRECEDING)',
    ferris: [
      `SUM(x) ${W}`,
      `COUNT(*) ${W}`,
      `MIN(x) ${W}`,
      `MAX(d) ${W}`,
      'SUM(f) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)',
      'AVG(x) OVER (ORDER BY ts ROWS UNBOUNDED PRECEDING)',
      `COUNT(x) FILTER (WHERE x > 0) ${W}`,
    ],
    postgres: [
      `SUM(x) ${W}`,
      `COUNT(*) ${W}`,
      `MIN(x) ${W}`,
      `MAX(d) ${W}`,
      'SUM(f) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)',
      'ROUND(AVG(x) OVER (ORDER BY ts ROWS UNBOUNDED PRECEDING), 6)',
      `COUNT(x) FILTER (WHERE x > 0) ${W}`,
    ],
  },
  {
    name: 'frames that look ahead (FOLLOWING, UNBOUNDED FOLLOWING)',
    ferris: [
      'SUM(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING)',
      'COUNT(*) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 FOLLOWING AND 4 FOLLOWING)',
      'MAX(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)',
      'SUM(d) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)',
    ],
  },
  {
    name: 'sorted by a non-time column: peers share the default RANGE frame; no ORDER BY is the whole partition',
    ferris: [
      'SUM(x) OVER (PARTITION BY k ORDER BY x)',
      'COUNT(*) OVER (PARTITION BY k ORDER BY x DESC)',
      'SUM(d) OVER (PARTITION BY k)',
      'MIN(f) OVER (PARTITION BY k ORDER BY x RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)',
      'COUNT(*) OVER (PARTITION BY k ORDER BY x RANGE BETWEEN CURRENT ROW AND CURRENT ROW)',
      'SUM(x) OVER (ORDER BY d NULLS FIRST, id ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING)',
      'LAG(d) OVER (ORDER BY d NULLS FIRST, id)',
    ],
  },
]

/** One form for both sides: exact integers and decimals as text without trailing zeros, doubles as numbers. */
function normalize(v: unknown): unknown {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof Decimal) return trimZeros(v.toString())
  if (typeof v === 'string') return /^-?\d+(\.\d+)?$/.test(v) ? trimZeros(v) : v

  return v
}

const trimZeros = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s)

let client: pg.Client
const table = `t_over_${randomBytes(4).toString('hex')}`
const rows = input()

beforeAll(async () => {
  client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 })
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_URL.replace(/:[^:@/]*@/, ':***@')} (${(error as Error).message}): start it with tools/services/postgres/start`,
    )
  }
  await client.query(
    `CREATE TABLE ${table} (id bigint PRIMARY KEY, k text COLLATE "C", ts timestamp(3), x bigint, d numeric(10, 2), f float8)`,
  )
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = rows.slice(i, i + 100)
    const params: unknown[] = []
    const values = chunk.map((r, j) => {
      params.push(
        String(r[0]),
        r[1],
        new Date(Number((r[2] as bigint) / MS)).toISOString().replace('Z', ''),
        r[3] === null ? null : String(r[3]),
        r[4] === null ? null : String(r[4]),
        r[5],
      )
      return `(${[1, 2, 3, 4, 5, 6].map((c) => `$${j * 6 + c}`).join(', ')})`
    })
    await client.query(`INSERT INTO ${table} VALUES ${values.join(', ')}`, params)
  }
})

afterAll(async () => {
  await client?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {})
  await client?.end().catch(() => {})
})

describe('window functions (OVER): Ferris against PostgreSQL', () => {
  it.each(CASES)('$name', async ({ ferris, postgres }) => {
    const pgRows = await client.query({
      text: `SELECT id, ${(postgres ?? ferris).map((e, i) => `${e} AS c${i}`).join(', ')} FROM ${table} ORDER BY id`,
      rowMode: 'array',
    })
    const { store, registry } = setup()
    store.set('t', rows, SCHEMA)
    const sql = `SELECT id, ${ferris.map((e, i) => `${e} AS c${i}`).join(', ')} FROM t
      WITH ('t.uri' = 'memory://t', 't.batch_size' = '16', 't.watermark.delay' = '10m')`
    const result = await runApplication(sql, { registry, cwd: mkdtempSync(join(tmpdir(), 'ferris-over-pg-')) })
    expect(result.jobs[0]!.lateRecords ?? 0).toBe(0)
    const ours = [...(result.jobs[0]!.rows as Value[][])].sort(
      (a, b) => Number(a[0] as bigint) - Number(b[0] as bigint),
    )
    expect(ours).toHaveLength(N)
    expect(ours.map((r) => r.map(normalize))).toEqual(pgRows.rows.map((r: unknown[]) => r.map(normalize)))
  })
})
