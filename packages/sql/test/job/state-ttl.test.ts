import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChangeKind, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { plan } from '../../src/index.js'
import { runApplication } from '../../src/job/run-application.js'
import { setup } from '../support/fixtures.js'

const cwd = () => mkdtempSync(join(tmpdir(), 'ferris-ttl-'))
const S = Schema.of(['id', T.int64, false], ['grp', T.string], ['v', T.int64])
const MIN = 60_000
const I = ChangeKind.INSERT
const D = ChangeKind.DELETE

/** Reads one row per batch; the clock is set before each read from `times[position]` (minutes). */
function clocked(times: number[]) {
  let now = 0
  return {
    clock: () => now,
    beforeRead: (pos: number) => {
      if (pos < times.length) now = times[pos]! * MIN
    },
  }
}

const sql = (extra = '') => `CREATE STREAM out AS SELECT grp, COUNT(*) AS n, SUM(v) AS total FROM items GROUP BY grp
  WITH ('items.uri' = 'memory://items', 'items.batch_size' = '1', 'out.uri' = 'memory://out',
        'job.state.ttl' = '1 h' ${extra})`

describe('runApplication: job.state.ttl', () => {
  it('drops a group no row changed for the time-to-live, silently, and starts it afresh on its next row', async () => {
    const { store, registry } = setup()
    const items = store.set('items', [
      [1n, 'a', 1n],
      [2n, 'b', 1n],
      [3n, 'b', 1n],
      [4n, 'a', 5n],
      [5n, 'b', 1n],
    ])
    items.schema = S
    const { clock, beforeRead } = clocked([0, 0, 30, 70, 89])
    items.beforeRead = beforeRead
    const result = await runApplication(sql(), { registry, cwd: cwd(), clock })
    // At minute 70, a (last changed at 0) has expired and b (changed at 30) has not.
    expect(store.table('out').rows).toEqual([
      ['a', 1n, 1n],
      ['b', 1n, 1n],
      ['b', 2n, 2n],
      ['a', 1n, 5n],
      ['b', 3n, 3n],
    ])
    expect(store.table('out').kinds).not.toContain(D)
    expect(result.jobs[0]!.evictedGroups).toBe(1)
  })

  it('keeps each group’s last change time in checkpoints, so a restart does not renew it', async () => {
    const { store, registry } = setup()
    const items = store.set('items', [
      [1n, 'a', 1n],
      [2n, 'b', 1n],
      [3n, 'b', 1n],
      [4n, 'a', 5n],
    ])
    items.schema = S
    const dir = cwd()
    const { clock, beforeRead } = clocked([0, 50, 50, 70])
    let crashed = false
    items.beforeRead = (pos) => {
      beforeRead(pos)
      if (pos === 3 && !crashed) {
        crashed = true
        throw new Error('simulated crash')
      }
    }
    await expect(runApplication(sql(), { registry, cwd: dir, clock, checkpointIntervalMs: 0 })).rejects.toThrow(/crash/)
    const result = await runApplication(sql(), { registry, cwd: dir, clock, checkpointIntervalMs: 0 })
    expect(store.table('out').rows.at(-1)).toEqual(['a', 1n, 5n])
    expect(result.jobs[0]!.evictedGroups).toBe(1)
  })

  it('ignores a retraction for a group the time-to-live dropped, and counts nothing as bad', async () => {
    const { store, registry } = setup()
    const items = store.set(
      'items',
      [
        [1n, 'a', 1n],
        [2n, 'b', 1n],
        [1n, 'a', 1n],
      ],
      S,
      undefined,
      [I, I, D],
    )
    const { clock, beforeRead } = clocked([0, 61, 62])
    items.beforeRead = beforeRead
    const result = await runApplication(sql(", 'items.changelog' = 'retract'"), { registry, cwd: cwd(), clock })
    expect(store.table('out').rows).toEqual([
      ['a', 1n, 1n],
      ['b', 1n, 1n],
    ])
    expect(result.jobs[0]!.sources.items!.bad).toBe(0)
    expect(result.jobs[0]!.evictedGroups).toBe(1)
  })

  it('rejects a time-to-live that is not a positive duration, pointing at the value', async () => {
    const { store, registry } = setup()
    store.set('items', [], S)
    await expect(plan(sql().replace("'1 h'", "'soon'"), { registry })).rejects.toThrow(
      /'job.state.ttl' = 'soon' is not valid/,
    )
    await expect(plan(sql().replace("'1 h'", "'0s'"), { registry })).rejects.toMatchObject({
      context: { value: '0s', expected: expect.stringMatching(/a duration above zero/) },
    })
  })
})
