import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Decimal, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { explain, plan } from '../../src/index.js'
import { runApplication } from '../../src/job/run-application.js'
import { setup } from '../support/fixtures.js'

const S = Schema.of(['id', T.int64], ['x', T.int32], ['amount', T.decimal(10, 2)])
const TBL = Schema.of(['id', T.int64], ['v', T.int32], ['label', T.string])
const cwd = () => mkdtempSync(join(tmpdir(), 'ferris-subquery-'))
/** WITH keys for the memory tables a statement names (a key naming no source is an error). */
const withFor = (sql: string) =>
  `WITH (${['s', 't', 'u']
    .filter((n) => new RegExp(`\\b${n}\\b`).test(sql))
    .map((n) => `'${n}.uri' = 'memory://${n}'`)
    .join(', ')})`

function data(
  tableRows: unknown[][] = [
    [1n, 10, 'a'],
    [2, 20, 'b'],
    [2n, null, 'c'],
    [4n, 40, null],
  ],
) {
  const { store, registry } = setup()
  store.set(
    's',
    [
      [1n, 10, new Decimal(100n, 2)],
      [2n, 20, new Decimal(200n, 2)],
      [3n, null, new Decimal(300n, 2)],
      [4n, 30, new Decimal(400n, 2)],
      [null, 40, new Decimal(500n, 2)],
    ],
    S,
  )
  store.set('t', tableRows.map((r) => [r[0] === 2 ? 2n : r[0], r[1], r[2]]) as never, TBL)
  store.set('u', [[1n, 10, 'only']], TBL)
  return { store, registry }
}

async function ids(sql: string, tableRows?: unknown[][]): Promise<unknown[]> {
  const { registry } = data(tableRows)
  const result = await runApplication(`${sql} ${withFor(sql)}`, { registry, cwd: cwd() })
  return result.jobs[0]!.rows!.map((r) => r[0])
}

describe('runApplication: subqueries against tables', () => {
  it('IN keeps rows whose value the table holds; NULL operands and NULL-only mismatches are filtered', async () => {
    // t.v holds 10, 20, NULL, 40: x = 10 and 20 match; x = 30 is NULL (a NULL is in the list); x NULL is NULL.
    expect(await ids('SELECT id FROM s WHERE x IN (SELECT v FROM t)')).toEqual([1n, 2n, null])
    expect(await ids('SELECT id, x IN (SELECT v FROM t) AS hit FROM s')).toEqual([1n, 2n, 3n, 4n, null])
    const { registry } = data()
    const rows = (
      await runApplication(`SELECT id, x IN (SELECT v FROM t) AS hit FROM s ${withFor('s t')}`, {
        registry,
        cwd: cwd(),
      })
    ).jobs[0]!.rows!
    expect(rows.map((r) => r[1])).toEqual([true, true, null, null, true])
  })

  it('NOT IN with a NULL in the subquery keeps no row; without NULLs it keeps the non-matches', async () => {
    expect(await ids('SELECT id FROM s WHERE x NOT IN (SELECT v FROM t)')).toEqual([])
    expect(await ids('SELECT id FROM s WHERE x NOT IN (SELECT v FROM t WHERE v IS NOT NULL)')).toEqual([4n])
    // An empty subquery: IN is FALSE and NOT IN TRUE, even for a NULL operand.
    expect(await ids('SELECT id FROM s WHERE x NOT IN (SELECT v FROM t WHERE v > 1000)')).toEqual([
      1n,
      2n,
      3n,
      4n,
      null,
    ])
  })

  it('compares INT with BIGINT and DECIMAL by value', async () => {
    expect(await ids('SELECT id FROM s WHERE id IN (SELECT id FROM t)')).toEqual([1n, 2n, 4n])
    expect(await ids('SELECT id FROM s WHERE amount IN (SELECT CAST(v AS DECIMAL(10, 1)) / 10 FROM t)')).toEqual([
      1n,
      2n,
      4n,
    ])
  })

  it('EXISTS and NOT EXISTS correlated on equality act as semi and anti joins', async () => {
    expect(await ids('SELECT id FROM s WHERE EXISTS (SELECT 1 FROM t WHERE t.id = s.id)')).toEqual([1n, 2n, 4n])
    expect(await ids('SELECT id FROM s WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.id = s.id)')).toEqual([3n, null])
    expect(await ids("SELECT id FROM s WHERE EXISTS (SELECT * FROM t WHERE t.id = s.id AND t.label = 'c')")).toEqual([
      2n,
    ])
    expect(await ids('SELECT id FROM s WHERE EXISTS (SELECT 1 FROM t WHERE v > 30)')).toHaveLength(5)
  })

  it('correlated IN looks only at the rows of the outer key', async () => {
    // Row 2 has x = 20; t has (2, 20) and (2, NULL): TRUE. Row 1: t has (1, 10): TRUE. Row 4: (4, 40) ≠ 30: FALSE.
    expect(await ids('SELECT id FROM s WHERE x IN (SELECT v FROM t WHERE t.id = s.id)')).toEqual([1n, 2n])
    expect(await ids('SELECT id FROM s WHERE x NOT IN (SELECT v FROM t WHERE t.id = s.id)')).toEqual([3n, 4n, null])
  })

  it('scalar subqueries: an aggregate, a correlated lookup, NULL when no row', async () => {
    const { registry } = data()
    const result = await runApplication(
      `SELECT id, (SELECT max(v) FROM t) AS top, (SELECT count(*) FROM t WHERE t.id = s.id) AS n,
              (SELECT label FROM u WHERE u.id = s.id) AS label
       FROM s ${withFor('s t u')}`,
      { registry, cwd: cwd() },
    )
    expect(result.jobs[0]!.rows).toEqual([
      [1n, 40, 1n, 'only'],
      [2n, 40, 2n, null],
      [3n, 40, 0n, null],
      [4n, 40, 1n, null],
      [null, 40, 0n, null],
    ])
    expect(await ids('SELECT id FROM s WHERE x > (SELECT min(v) FROM t)')).toEqual([2n, 4n, null])
  })

  it('a scalar subquery returning several rows is a bad record, named with the subquery', async () => {
    const { registry } = data()
    const sql = `SELECT id, (SELECT label FROM t WHERE t.id = s.id) AS label FROM s`
    await expect(runApplication(`${sql} ${withFor(sql)}`, { registry, cwd: cwd() })).rejects.toThrow(
      /Evaluating record 2 of s failed: The scalar subquery \(SELECT label FROM t WHERE t.id = s.id\) returned 2 rows/,
    )
    const skipped = await runApplication(
      `${sql} WITH ('s.uri' = 'memory://s', 't.uri' = 'memory://t', 'job.bad_records' = 'skip')`,
      {
        registry,
        cwd: cwd(),
      },
    )
    expect(skipped.jobs[0]!.rows!.map((r) => r[0])).toEqual([1n, 3n, 4n, null])
    expect(skipped.jobs[0]!.sources.s!.bad).toBe(1)
  })

  it('explains subqueries and the tables they read', async () => {
    const { registry } = data()
    const text = explain(
      await plan(`SELECT id FROM s WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.id = s.id AND v > 5) ${withFor('s t')}`, {
        registry,
      }),
    )
    expect(text).toContain('Filter NOT EXISTS (SELECT 1 FROM t WHERE t.id = s.id AND v > 5)')
    expect(text).toContain('Table t [memory] (id BIGINT, v INT, label STRING): read to its end')
    expect(text).toContain('Subquery 1: NOT EXISTS over t where v > 5, correlated t.id = s.id')
  })

  it('refuses a subquery against a stream, pointing at it, and says what to write instead', async () => {
    const { store, registry } = data()
    store.set('feed', [], TBL)
    const e = await plan(
      `SELECT id FROM s WHERE id IN (SELECT id FROM feed) WITH ('s.uri' = 'memory://s', 'feed.uri' = 'memory://feed?follow=true')`,
      { registry },
    ).catch((x) => x)
    expect(e.code).toBe('FERRIS_SQL_SEMANTIC')
    expect(e.message).toMatch(/feed is a stream, but it is read here as a table at line 1, column 46/)
    expect(e.context.hint).toMatch(
      /subqueries read tables\. Declare feed as a table kept current by its change stream: CREATE TABLE feed/,
    )
  })

  it('refuses what it cannot run with a position and a hint', async () => {
    const { registry } = data()
    const fails = async (sql: string) => (await plan(`${sql} ${withFor(sql)}`, { registry }).catch((x) => x)) as Error
    expect((await fails('SELECT id FROM s WHERE EXISTS (SELECT 1 FROM t WHERE t.id > s.id)')).message).toMatch(
      /A subquery may refer to the outer row only in equalities/,
    )
    expect((await fails('SELECT id FROM s WHERE x IN (SELECT v, id FROM t)')).message).toMatch(
      /A subquery used as a value selects exactly one column/,
    )
    expect((await fails('SELECT id FROM s WHERE x IN (SELECT label FROM t)')).message).toMatch(/at line 1/)
    expect((await fails('SELECT id FROM s WHERE x IN (SELECT v FROM t GROUP BY v)')).message).toMatch(
      /GROUP BY, HAVING, WINDOW or ORDER BY in a subquery is not supported yet/,
    )
  })
})

describe('runApplication: subqueries with joins and aggregation', () => {
  it('filters a joined stream by a subquery over a third table, and groups by what passes', async () => {
    const { registry } = data()
    const result = await runApplication(
      `SELECT s.id, u.label FROM s LEFT JOIN u ON s.id = u.id WHERE s.id IN (SELECT id FROM t WHERE v IS NOT NULL)
       WITH ('s.uri' = 'memory://s', 't.uri' = 'memory://t', 'u.uri' = 'memory://u')`,
      { registry, cwd: cwd() },
    )
    expect(result.jobs[0]!.rows).toEqual([
      [1n, 'only'],
      [2n, null],
      [4n, null],
    ])
    const grouped = await runApplication(
      `SELECT x > 15 AS big, COUNT(*) AS n FROM s WHERE EXISTS (SELECT 1 FROM t WHERE t.id = s.id)
       GROUP BY x > 15 HAVING COUNT(*) > (SELECT count(*) FROM u) EMIT FINAL
       WITH ('s.uri' = 'memory://s', 't.uri' = 'memory://t', 'u.uri' = 'memory://u')`,
      { registry, cwd: cwd() },
    )
    expect(grouped.jobs[0]!.rows).toEqual([[true, 2n]])
  })
})
