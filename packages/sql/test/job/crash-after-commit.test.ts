import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CommitInfo, type Row, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { setup } from '../support/fixtures.js'

/**
 * A sink that stores source positions (the memory sink, the file sink, a transactional table) holds the
 * positions of a checkpoint as soon as it commits, before the job's checkpoint file is completed. A crash in
 * between used to restart the job at the sink's positions with the operator state of the checkpoint before:
 * the rows between the two were in no window, so windows came out with rows missing. The state is now saved
 * as pending before the commit and adopted when the sink's commit holds it.
 */

const READINGS = Schema.of(['station', T.string], ['ts', T.timestamp('ms')], ['temp', T.int32])
const S = 1_000_000_000n
const rows: Row[] = Array.from({ length: 120 }, (_, i) => [['a', 'b', 'c'][i % 3]!, BigInt(i * 7) * S, i])
const sql = (window: string) => `CREATE STREAM out AS
  SELECT station, window_start, window_end, COUNT(*) AS n, SUM(temp) AS total FROM readings
  GROUP BY station WINDOW ${window}
  WITH ('readings.uri' = 'memory://readings', 'readings.batch_size' = '4', 'out.uri' = 'memory://out')`

const text = (out: Row[]) => out.map((r) => r.map(String).join('|')).sort()

/** Makes the sink's `at`-th commit throw right after it completed: a crash between commit and checkpoint file. */
function crashAfterCommit(commits: CommitInfo[], at: number): void {
  commits.push = (...items: CommitInfo[]) => {
    const n = Array.prototype.push.apply(commits, items)
    if (n === at) throw new Error('simulated crash after the sink committed')
    return n
  }
}

describe('runApplication: a crash after the sink committed and before the checkpoint file', () => {
  for (const window of ["TUMBLING(ts, INTERVAL '1' MINUTE)", "SESSION(ts, INTERVAL '15' SECOND)"]) {
    it(`resumes with the state that belongs to the committed positions (${window.split('(')[0]})`, async () => {
      const reference = setup()
      reference.store.set('readings', rows, READINGS)
      await runApplication(sql(window), {
        registry: reference.registry,
        cwd: mkdtempSync(join(tmpdir(), 'ferris-cc-')),
      })
      const expected = text(reference.store.rows('out'))
      expect(expected.length).toBeGreaterThan(10)

      const { store, registry } = setup()
      store.set('readings', rows, READINGS)
      store.set('out', [])
      const cwd = mkdtempSync(join(tmpdir(), 'ferris-cc-'))
      for (const at of [3, 9, 17]) {
        crashAfterCommit(store.table('out').commits, at)
        await expect(runApplication(sql(window), { registry, cwd, checkpointIntervalMs: 0 })).rejects.toThrow(
          /simulated crash/,
        )
      }
      delete (store.table('out').commits as { push?: unknown }).push
      await runApplication(sql(window), { registry, cwd, checkpointIntervalMs: 0 })
      expect(text(store.rows('out'))).toEqual(expected)
    })
  }
})
