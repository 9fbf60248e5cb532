import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChangeKind, ConnectorRegistry, Decimal, type Row, Schema, T } from '@ferris/core'
import { memoryPlugin } from '@ferris/core/testing'
import { runApplication } from '@ferris/sql'
import type pg from 'pg'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { plugin } from '../src/plugin.js'
import {
  adminClient,
  createTable,
  dropSlotAfter,
  dropTableAfter,
  PG_URL,
  requireServer,
  uniqueName,
} from './helpers/pg-server.js'

beforeAll(requireServer)

const ITEMS = Schema.of(
  ['id', T.int64, false],
  ['grp', T.string, false],
  ['v', T.int64],
  ['d', T.decimal(10, 2)],
  ['s', T.string],
)
const DDL = 'id bigint PRIMARY KEY, grp text NOT NULL, v bigint, d numeric(10, 2), s text'

/** Deterministic pseudo-random numbers (mulberry32), so a failing run can be repeated. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** One change of the table, as SQL for PostgreSQL and as change rows for Ferris (old rows carried whole). */
interface Change {
  readonly sql: string
  readonly params: unknown[]
  readonly rows: Row[]
  readonly kinds: number[]
}

function randomChanges(table: string, n: number, seed: number): Change[] {
  const next = random(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!
  const live = new Map<bigint, Row>()
  const out: Change[] = []
  let id = 0n
  const row = (at: bigint): Row => [
    at,
    pick(['a', 'b', 'c', 'd']),
    next() < 0.15 ? null : BigInt(Math.floor(next() * 41) - 20),
    next() < 0.15 ? null : new Decimal(BigInt(Math.floor(next() * 20001) - 10000), 2),
    next() < 0.15 ? null : pick(['x', 'y', 'z']),
  ]
  const params = (r: Row) => r.map((v) => (v === null ? null : String(v)))
  for (let i = 0; i < n; i++) {
    const ids = [...live.keys()]
    const r = next()
    if (ids.length < 3 || r < 0.45) {
      const fresh = row(++id)
      live.set(id, fresh)
      out.push({
        sql: `INSERT INTO "${table}" VALUES ($1, $2, $3, $4, $5)`,
        params: params(fresh),
        rows: [fresh],
        kinds: [ChangeKind.INSERT],
      })
    } else if (r < 0.8) {
      const at = pick(ids)
      const after = row(at)
      out.push({
        sql: `UPDATE "${table}" SET grp = $2, v = $3, d = $4, s = $5 WHERE id = $1`,
        params: params(after),
        rows: [live.get(at)!, after],
        kinds: [ChangeKind.UPDATE_BEFORE, ChangeKind.UPDATE_AFTER],
      })
      live.set(at, after)
    } else {
      const at = pick(ids)
      out.push({
        sql: `DELETE FROM "${table}" WHERE id = $1`,
        params: [String(at)],
        rows: [live.get(at)!],
        kinds: [ChangeKind.DELETE],
      })
      live.delete(at)
    }
  }

  return out
}

/** PostgreSQL's own GROUP BY, as text, in the column order of FERRIS_QUERY. */
async function groupByInPostgres(admin: pg.Client, table: string): Promise<string[][]> {
  const r = await admin.query({
    text: `SELECT grp, count(*), count(v), sum(v), round(avg(v), 6), min(v), max(v), sum(d), min(d), max(s),
                  count(DISTINCT v), sum(DISTINCT v), var_pop(v), stddev_samp(d), string_agg(s, '|' ORDER BY s)
             FROM "${table}" GROUP BY grp ORDER BY grp`,
    rowMode: 'array',
  })

  return r.rows.map((row: unknown[]) => row.map((v) => (v === null ? null : String(v))) as string[])
}

const FERRIS_QUERY = `SELECT grp, COUNT(*) AS n, COUNT(v) AS nv, SUM(v) AS sv, AVG(v) AS av, MIN(v) AS lo, MAX(v) AS hi,
  SUM(d) AS sd, MIN(d) AS dlo, MAX(s) AS shi, COUNT(DISTINCT v) AS cdv, SUM(DISTINCT v) AS sdv, VAR_POP(v) AS vp,
  STDDEV_SAMP(d) AS sds, LISTAGG(s, '|') AS la FROM items GROUP BY grp`

/** Doubles (VAR_POP, STDDEV_SAMP) compared to 9 significant digits; LISTAGG as a sorted multiset. */
function expectSame(ferris: Row[], postgres: string[][]) {
  const got = [...ferris].sort((a, b) => String(a[0]).localeCompare(String(b[0])))
  expect(got.map((r) => r[0])).toEqual(postgres.map((r) => r[0]))
  got.forEach((row, i) => {
    const want = postgres[i]!
    const text = row.map((v) => (v === null ? null : String(v)))
    text[14] = row[14] === null ? null : (row[14] as string).split('|').sort().join('|')
    for (const c of [12, 13]) {
      if (want[c] === null) expect(row[c], `column ${c} of ${want[0]}`).toBeNull()
      else expect(row[c] as number, `column ${c} of ${want[0]}`).toBeCloseTo(Number(want[c]), 9)
      text[c] = want[c]!
    }
    expect(text, `group ${want[0]}`).toEqual(want)
  })
}

describe('GROUP BY over a change stream, checked against PostgreSQL', () => {
  it('leaves an upserting sink holding what PostgreSQL computes over the same changes', async () => {
    const admin = await adminClient()
    const table = uniqueName('changes')
    await createTable(admin, table, DDL)
    const log = randomChanges(table, 600, 42)
    await admin.query('BEGIN')
    for (const c of log) await admin.query(c.sql, c.params)
    await admin.query('COMMIT')
    const memory = memoryPlugin()
    memory.store.set(
      'items',
      log.flatMap((c) => c.rows),
      ITEMS,
      undefined,
      log.flatMap((c) => c.kinds),
    )
    const cwd = await mkdtemp(join(tmpdir(), 'ferris-pg-changelog-'))
    onTestFinished(() => rm(cwd, { recursive: true, force: true }))
    await runApplication(
      `CREATE STREAM out AS ${FERRIS_QUERY}
       WITH ('items.uri' = 'memory://items', 'items.changelog' = 'retract', 'items.batch_size' = '16',
             'out.uri' = 'memory://out', 'out.mode' = 'upsert')`,
      { registry: new ConnectorRegistry().register(memory), cwd },
    )
    expectSame(memory.store.rows('out'), await groupByInPostgres(admin, table))
  })

  it('runs PostgreSQL change capture → GROUP BY → PostgreSQL upsert sink, and ends equal to the GROUP BY in PostgreSQL', async () => {
    const admin = await adminClient()
    const source = uniqueName('cdc_items')
    const totals = uniqueName('cdc_totals')
    dropTableAfter(totals)
    dropSlotAfter(source, `${source}_pub`)
    await createTable(admin, source, DDL)
    await admin.query(
      `INSERT INTO "${source}" VALUES (1, 'a', 5, 1.50, 'x'), (2, 'a', 7, 2.25, 'y'), (3, 'b', 1, NULL, NULL)`,
    )
    const cwd = await mkdtemp(join(tmpdir(), 'ferris-pg-cdc-groupby-'))
    onTestFinished(() => rm(cwd, { recursive: true, force: true }))
    const controller = new AbortController()
    const sql = `
      CREATE STREAM totals AS
      SELECT grp, COUNT(*) AS n, SUM(v) AS sv, MIN(v) AS lo, MAX(d) AS hi, COUNT(DISTINCT s) AS ns FROM items GROUP BY grp
      WITH ('items.uri' = '${PG_URL}?table=${source}&cdc=true&slot=${source}&publication=${source}_pub&poll_interval=100ms',
            'totals.uri' = '${PG_URL}?table=${totals}&key=grp&create_table=true',
            'job.name' = 'pg-cdc-group-by', 'job.checkpoint.interval' = '200ms')`
    const running = runApplication(sql, {
      registry: new ConnectorRegistry().register(plugin),
      cwd,
      signal: controller.signal,
    })
    const query = (from: string, columns: string) =>
      admin
        .query({ text: `SELECT ${columns} FROM "${from}" ORDER BY grp`, rowMode: 'array' })
        .then((r) => r.rows.map((row: unknown[]) => row.map((v) => (v === null ? null : String(v)))))
        .catch(() => [])
    const sinkRows = () => query(totals, 'grp, n, sv, lo, hi, ns')
    const wanted = () =>
      admin
        .query({
          text: `SELECT grp, count(*), sum(v), min(v), max(d), count(DISTINCT s) FROM "${source}" GROUP BY grp ORDER BY grp`,
          rowMode: 'array',
        })
        .then((r) => r.rows.map((row: unknown[]) => row.map((v) => (v === null ? null : String(v)))))
    const settle = async () => {
      const deadline = Date.now() + 30_000
      const want = await wanted()
      while (Date.now() < deadline) {
        if (JSON.stringify(await sinkRows()) === JSON.stringify(want)) return
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(await sinkRows()).toEqual(want)
    }
    await settle()
    // Updates within and across groups, a delete that moves MIN, and a group that empties and comes back.
    await admin.query(`UPDATE "${source}" SET v = 9 WHERE id = 1`)
    await admin.query(`UPDATE "${source}" SET grp = 'c', s = 'z' WHERE id = 2`)
    await admin.query(`DELETE FROM "${source}" WHERE id = 3`)
    await admin.query(`INSERT INTO "${source}" VALUES (4, 'a', -3, 9.99, 'x')`)
    await settle()
    expect((await sinkRows()).map((r: unknown[]) => r[0])).toEqual(['a', 'c'])
    await admin.query(`DELETE FROM "${source}" WHERE id = 4`)
    await admin.query(`UPDATE "${source}" SET d = 0.01 WHERE id = 1`)
    await admin.query(`INSERT INTO "${source}" VALUES (5, 'b', 2, 0.50, 'w')`)
    await settle()
    expect((await sinkRows()).map((r: unknown[]) => r[0])).toEqual(['a', 'b', 'c'])
    controller.abort()
    await running
  })

  it('removes a group from the PostgreSQL upsert sink when it stops satisfying HAVING, and writes it again when it passes', async () => {
    const admin = await adminClient()
    const source = uniqueName('cdc_having')
    const totals = uniqueName('cdc_having_totals')
    dropTableAfter(totals)
    dropSlotAfter(source, `${source}_pub`)
    await createTable(admin, source, DDL)
    await admin.query(
      `INSERT INTO "${source}" VALUES (1, 'a', 5, NULL, NULL), (2, 'a', 7, NULL, NULL), (3, 'b', 9, NULL, NULL)`,
    )
    const cwd = await mkdtemp(join(tmpdir(), 'ferris-pg-cdc-having-'))
    onTestFinished(() => rm(cwd, { recursive: true, force: true }))
    const controller = new AbortController()
    const running = runApplication(
      `CREATE STREAM totals AS SELECT grp, SUM(v) AS sv FROM items GROUP BY grp HAVING SUM(v) > 10
       WITH ('items.uri' = '${PG_URL}?table=${source}&cdc=true&slot=${source}&publication=${source}_pub&poll_interval=100ms',
             'totals.uri' = '${PG_URL}?table=${totals}&key=grp&create_table=true', 'job.name' = 'pg-cdc-having',
             'job.checkpoint.interval' = '200ms')`,
      { registry: new ConnectorRegistry().register(plugin), cwd, signal: controller.signal },
    )
    const rows = (text: string) =>
      admin
        .query({ text, rowMode: 'array' })
        .then((r) => r.rows.map((row: unknown[]) => row.map(String)))
        .catch(() => [])
    const settle = async () => {
      const want = await rows(`SELECT grp, sum(v) FROM "${source}" GROUP BY grp HAVING sum(v) > 10 ORDER BY grp`)
      const deadline = Date.now() + 30_000
      while (Date.now() < deadline) {
        if (JSON.stringify(await rows(`SELECT grp, sv FROM "${totals}" ORDER BY grp`)) === JSON.stringify(want))
          return want
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(await rows(`SELECT grp, sv FROM "${totals}" ORDER BY grp`)).toEqual(want)
      return want
    }
    expect(await settle()).toEqual([['a', '12']])
    await admin.query(`UPDATE "${source}" SET v = 1 WHERE id = 2`)
    await admin.query(`INSERT INTO "${source}" VALUES (4, 'b', 3, NULL, NULL)`)
    expect(await settle()).toEqual([['b', '12']])
    await admin.query(`UPDATE "${source}" SET v = 20 WHERE id = 1`)
    expect(await settle()).toEqual([
      ['a', '21'],
      ['b', '12'],
    ])
    controller.abort()
    await running
  })
})
