import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChangeKind, type Row, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { explain, plan } from '../../src/index.js'
import { runApplication } from '../../src/job/run-application.js'
import { setup } from '../support/fixtures.js'

const cwd = () => mkdtempSync(join(tmpdir(), 'ferris-having-'))
const S = Schema.of(['k', T.string], ['v', T.int64])
const U = ChangeKind.UPDATE_AFTER
const D = ChangeKind.DELETE
const I = ChangeKind.INSERT
const B = ChangeKind.UPDATE_BEFORE

/** Runs the query and returns every change it emitted, as [kind, ...row]. */
async function changesOf(sql: string, registry: ReturnType<typeof setup>['registry']): Promise<unknown[][]> {
  const out: unknown[][] = []
  await runApplication(sql, {
    registry,
    cwd: cwd(),
    onRows: (_job, batch) => {
      batch.rows.forEach((row: Row, i) => {
        out.push([batch.kinds?.[i] ?? I, ...row])
      })
    },
  })
  return out
}

describe('runApplication: HAVING under EMIT CHANGES', () => {
  it('retracts a group shown that stops passing HAVING (a DELETE with the row it showed) and sends it again when it passes again', async () => {
    // The aggregate keeps which groups it showed: a failing change of one of them becomes a DELETE of its key,
    // a failing change of a group never shown sends nothing.
    const { store, registry } = setup()
    store.set(
      'items',
      [
        ['a', 5n],
        ['b', 1n],
        ['a', -10n],
        ['c', -1n],
        ['a', 20n],
        ['c', -1n],
      ],
      S,
    )
    const changes = await changesOf(
      `SELECT k, SUM(v) AS total FROM items GROUP BY k HAVING SUM(v) > 0
       WITH ('items.uri' = 'memory://items', 'items.batch_size' = '1')`,
      registry,
    )
    expect(changes).toEqual([
      [U, 'a', 5n],
      [U, 'b', 1n],
      [D, 'a', 5n],
      [U, 'a', 15n],
    ])
  })

  it('compares each batch end with what was shown: a group that dips below HAVING and recovers within a batch is one update', async () => {
    const { store, registry } = setup()
    store.set(
      'items',
      [
        ['a', 5n],
        ['a', -10n],
        ['a', 20n],
        ['b', -1n],
        ['b', 3n],
        ['a', -100n],
      ],
      S,
    )
    const changes = await changesOf(
      `SELECT k, SUM(v) AS total FROM items GROUP BY k HAVING SUM(v) > 0
       WITH ('items.uri' = 'memory://items', 'items.batch_size' = '3')`,
      registry,
    )
    expect(changes).toEqual([
      [U, 'a', 15n],
      [U, 'b', 2n], // in order of each group's first change in the batch
      [D, 'a', 15n],
    ])
  })

  it('over a change stream, retracts a group a retraction takes below HAVING, and sends no DELETE for a group emptied that was never shown', async () => {
    const { store, registry } = setup()
    store.set(
      'items',
      [
        ['a', 5n],
        ['a', 7n],
        ['b', 1n],
        ['a', 7n],
        ['b', 1n],
        ['a', 5n],
        ['a', 9n],
      ],
      S,
      undefined,
      [I, I, I, B, D, D, I],
    )
    const changes = await changesOf(
      `SELECT k, COUNT(*) AS n, SUM(v) AS total FROM items GROUP BY k HAVING COUNT(*) > 1
       WITH ('items.uri' = 'memory://items', 'items.changelog' = 'retract', 'items.batch_size' = '1')`,
      registry,
    )
    expect(changes).toEqual([
      [U, 'a', 2n, 12n],
      [D, 'a', 2n, 12n],
    ])
  })

  it('keeps which groups were shown in checkpoints: after a restart a group never shown sends no DELETE', async () => {
    const { store, registry } = setup()
    const items = store.set(
      'items',
      [
        ['a', 5n],
        ['b', -1n],
        ['b', -1n],
        ['a', -9n],
      ],
      S,
    )
    let crashed = false
    items.beforeRead = (pos) => {
      if (pos === 2 && !crashed) {
        crashed = true
        throw new Error('simulated crash')
      }
    }
    const sql = `CREATE STREAM out AS SELECT k, SUM(v) AS total FROM items GROUP BY k HAVING SUM(v) > 0
      WITH ('items.uri' = 'memory://items', 'items.batch_size' = '1', 'out.uri' = 'memory://out')`
    const dir = cwd()
    await expect(runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })).rejects.toThrow(/crash/)
    await runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })
    const out = store.table('out')
    expect(out.rows.map((r, i) => [out.kinds[i], ...r])).toEqual([
      [U, 'a', 5n],
      [D, 'a', 5n],
    ])
  })

  it('keeps EMIT FINAL as a filter of the final groups, and explains HAVING on the aggregate under EMIT CHANGES', async () => {
    const { store, registry } = setup()
    store.set(
      'items',
      [
        ['a', 5n],
        ['a', -10n],
        ['b', 2n],
      ],
      S,
    )
    const final = await runApplication(
      `SELECT k, SUM(v) AS total FROM items GROUP BY k HAVING SUM(v) > 0 EMIT FINAL
       WITH ('items.uri' = 'memory://items', 'items.batch_size' = '1')`,
      { registry, cwd: cwd() },
    )
    expect(final.jobs[0]!.rows).toEqual([['b', 2n]])
    const changes = explain(
      await plan(
        `SELECT k, SUM(v) AS total FROM items GROUP BY k HAVING SUM(v) > 0 WITH ('items.uri' = 'memory://items')`,
        {
          registry,
        },
      ),
    )
    expect(changes).toContain('Aggregate by k: SUM(v) HAVING SUM(v) > 0 (EMIT CHANGES)')
    expect(changes).not.toContain('Filter')
    const finalPlan = explain(
      await plan(
        `SELECT k, SUM(v) AS total FROM items GROUP BY k HAVING SUM(v) > 0 EMIT FINAL WITH ('items.uri' = 'memory://items')`,
        { registry },
      ),
    )
    expect(finalPlan).toContain('Filter SUM(v) > 0')
  })
})
