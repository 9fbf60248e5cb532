import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Decimal, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { setup } from '../support/fixtures.js'

/** SUM of DECIMAL(38, s) is typed DECIMAL(38, s): a sum of more digits is an overflow, as for BIGINT. */

const S = Schema.of(['k', T.string], ['d', T.decimal(38, 2)], ['ts', T.timestamp('ms')])
const NINES = new Decimal(10n ** 38n - 1n, 2) // 999...9.99, 38 digits

function run(sql: string, policy: string) {
  const { store, registry } = setup()
  store.set(
    's',
    [
      ['a', NINES, 1_000_000n],
      ['a', new Decimal(1n, 2), 2_000_000n],
      ['a', new Decimal(-5n, 2), 3_000_000n],
    ],
    S,
  )
  const cwd = mkdtempSync(join(tmpdir(), 'ferris-decimal-overflow-'))

  return runApplication(`${sql} WITH ('s.uri' = 'memory://s', 'job.bad_records' = '${policy}')`, { registry, cwd })
}

describe('decimal sums beyond 38 digits', () => {
  it('GROUP BY fails the row that would overflow, naming the type and what to do', async () => {
    const sql = 'SELECT k, SUM(d) AS s FROM s GROUP BY k EMIT FINAL'
    await expect(run(sql, 'fail')).rejects.toMatchObject({
      code: 'FERRIS_ARITHMETIC_OVERFLOW',
      message: expect.stringMatching(/record 2 of s failed: SUM overflows DECIMAL\(38, 2\) after adding 0\.01/),
      context: { hint: expect.stringMatching(/DECIMAL\(38, 2\) holds 36 digits before the point/) },
    })
    // Skipped, the row leaves the sum as it was.
    const skipped = await run(sql, 'skip')
    expect(skipped.jobs[0]!.rows!.map((r) => String(r[1]))).toEqual(['999999999999999999999999999999999999.94'])
  })

  it('OVER frames fail the rows whose frame would overflow', async () => {
    const running = await run('SELECT k, SUM(d) OVER (PARTITION BY k ORDER BY ts) AS s FROM s', 'skip')
    // The second row overflows, and the third too: its running sum passes through the same overflow.
    expect(running.jobs[0]!.rows!.map((r) => String(r[1]))).toEqual(['999999999999999999999999999999999999.99'])
    const sliding = await run(
      'SELECT k, SUM(d) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM s',
      'skip',
    )
    expect(sliding.jobs[0]!.rows!.map((r) => String(r[1]))).toEqual([
      '999999999999999999999999999999999999.99',
      '-0.04',
    ])
  })
})
