import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Decimal, isDecimal, Schema, T, type Value } from '@ferris/core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { setup } from '../support/fixtures.js'

/**
 * The NULL rules of subqueries checked against PostgreSQL itself: the same rows go into PostgreSQL temporary
 * tables and into memory tables, and every query must return the same rows from both.
 */
const PG_URL = process.env.FERRIS_PG_URL ?? 'postgresql://ferris:ferris@127.0.0.1:15432/ferris'

const S_ROWS: Value[][] = [
  [1n, 10, new Decimal(100n, 2)],
  [2n, 20, new Decimal(200n, 2)],
  [3n, null, new Decimal(300n, 2)],
  [4n, 30, null],
  [null, 40, new Decimal(500n, 2)],
  [6n, null, new Decimal(600n, 2)],
]
const T_ROWS: Value[][] = [
  [1n, 10, 'a'],
  [2n, 20, 'b'],
  [2n, null, 'c'],
  [4n, 40, null],
  [null, 30, 'n'],
]
const U_ROWS: Value[][] = [
  [1n, 10, 'x'],
  [4n, 99, 'y'],
]

const QUERIES = [
  'SELECT id FROM s WHERE x IN (SELECT v FROM t)',
  'SELECT id FROM s WHERE x NOT IN (SELECT v FROM t)',
  'SELECT id FROM s WHERE x NOT IN (SELECT v FROM t WHERE v IS NOT NULL)',
  'SELECT id FROM s WHERE x IN (SELECT v FROM u)',
  'SELECT id FROM s WHERE x NOT IN (SELECT v FROM u)',
  'SELECT id FROM s WHERE x NOT IN (SELECT v FROM t WHERE v > 1000)',
  'SELECT id, x IN (SELECT v FROM t) AS a, x NOT IN (SELECT v FROM u) AS b FROM s',
  'SELECT id FROM s WHERE id IN (SELECT id FROM t)',
  'SELECT id FROM s WHERE id NOT IN (SELECT id FROM t)',
  'SELECT id FROM s WHERE id NOT IN (SELECT id FROM u)',
  'SELECT id FROM s WHERE x IN (SELECT v FROM t WHERE t.id = s.id)',
  'SELECT id FROM s WHERE x NOT IN (SELECT v FROM t WHERE t.id = s.id)',
  'SELECT id FROM s WHERE EXISTS (SELECT 1 FROM t WHERE t.id = s.id)',
  'SELECT id FROM s WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.id = s.id)',
  "SELECT id FROM s WHERE EXISTS (SELECT 1 FROM t WHERE t.id = s.id AND t.label <> 'c')",
  'SELECT id FROM s WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.v = s.x)',
  'SELECT id FROM s WHERE EXISTS (SELECT 1 FROM t WHERE v > 35)',
  'SELECT id, (SELECT max(v) FROM t) AS top, (SELECT count(*) FROM t WHERE t.id = s.id) AS n FROM s',
  'SELECT id, (SELECT sum(v) FROM t WHERE t.id = s.id) AS total, (SELECT label FROM u WHERE u.id = s.id) AS l FROM s',
  'SELECT id FROM s WHERE x > (SELECT min(v) FROM t WHERE label IS NOT NULL)',
  'SELECT id FROM s WHERE amount IN (SELECT CAST(v AS DECIMAL(10, 1)) / 10 FROM t)',
]

let client: pg.Client

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
  // Temporary tables: private to this session, gone when it ends, so parallel runs never meet.
  await client.query('CREATE TEMP TABLE s (id BIGINT, x INT, amount NUMERIC(10, 2))')
  await client.query('CREATE TEMP TABLE t (id BIGINT, v INT, label TEXT)')
  await client.query('CREATE TEMP TABLE u (id BIGINT, v INT, label TEXT)')
  const insert = async (table: string, rows: Value[][]) => {
    for (const r of rows) {
      await client.query(
        `INSERT INTO ${table} VALUES (${r.map((_, i) => `$${i + 1}`).join(', ')})`,
        r.map((v) => (v === null ? null : String(v))),
      )
    }
  }
  await insert('s', S_ROWS)
  await insert('t', T_ROWS)
  await insert('u', U_ROWS)
})

afterAll(async () => {
  await client?.end().catch(() => {})
})

/** Rows as sorted text, so both engines' answers compare without caring for order or number types. */
function normalize(rows: ReadonlyArray<readonly unknown[]>): string[] {
  return rows
    .map((r) =>
      JSON.stringify(r.map((v) => (v === null || v === undefined ? null : isDecimal(v) ? v.toString() : String(v)))),
    )
    .sort()
}

describe('subqueries: the same answers as PostgreSQL', () => {
  it.each(QUERIES)('%s', async (sql) => {
    const { store, registry } = setup()
    store.set('s', S_ROWS, Schema.of(['id', T.int64], ['x', T.int32], ['amount', T.decimal(10, 2)]))
    const tableSchema = Schema.of(['id', T.int64], ['v', T.int32], ['label', T.string])
    store.set('t', T_ROWS, tableSchema)
    store.set('u', U_ROWS, tableSchema)
    const names = ['s', 't', 'u'].filter((n) => new RegExp(`\\b${n}\\b`).test(sql))
    const props = names.map((n) => `'${n}.uri' = 'memory://${n}'`).join(', ')
    const ours = await runApplication(`${sql} WITH (${props})`, {
      registry,
      cwd: mkdtempSync(join(tmpdir(), 'ferris-subquery-pg-')),
    })
    const theirs = await client.query({ text: sql, rowMode: 'array' })
    expect(normalize(ours.jobs[0]!.rows!)).toEqual(normalize(theirs.rows))
  })
})
