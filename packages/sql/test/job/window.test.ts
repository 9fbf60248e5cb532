import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Row, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { setup } from '../support/fixtures.js'

const READINGS = Schema.of(['station', T.string], ['ts', T.timestamp('ms')], ['temp', T.int32])
const S = 1_000_000_000n
const rows: Row[] = Array.from({ length: 60 }, (_, i) => [['a', 'b', 'c'][i % 3]!, BigInt((i * 13) % 600) * S, i])
const SQL = `CREATE STREAM per_minute AS
  SELECT station, window_start, window_end, COUNT(*) AS n, SUM(temp) AS total FROM readings
  GROUP BY station WINDOW TUMBLING(ts, INTERVAL '1' MINUTE)
  WITH ('readings.uri' = 'memory://readings', 'readings.batch_size' = '5', 'readings.watermark.delay' = '10m',
        'per_minute.uri' = 'memory://per_minute')`

/** Counts and sums per station and minute, computed here. */
function expected(): unknown[][] {
  const m = new Map<string, [string, bigint, bigint, bigint, bigint]>()
  for (const [station, ts, temp] of rows as Array<[string, bigint, number]>) {
    const start = (ts / (60n * S)) * 60n * S
    const k = `${start}|${station}`
    const e = m.get(k) ?? [station, start, start + 60n * S, 0n, 0n]
    e[3]++
    e[4] += BigInt(temp)
    m.set(k, e)
  }
  return [...m.values()].sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : x[0] < y[0] ? -1 : 1))
}
const sorted = (out: Row[]) =>
  [...out].sort((x, y) => ((x[1] as bigint) < (y[1] as bigint) ? -1 : x[1]! > y[1]! ? 1 : x[0]! < y[0]! ? -1 : 1))

describe('runApplication: windows', () => {
  it('closes every window at the end of a bounded source', async () => {
    const { store, registry } = setup()
    store.set('readings', rows, READINGS)
    await runApplication(SQL, { registry, cwd: mkdtempSync(join(tmpdir(), 'ferris-win-')) })
    expect(sorted(store.rows('per_minute'))).toEqual(expected())
  })

  it('counts late records in the job progress', async () => {
    const { store, registry } = setup()
    store.set(
      'readings',
      [
        ['a', 70n * S, 1],
        ['a', 10n * S, 2],
        ['a', 80n * S, 3],
      ],
      READINGS,
    )
    const result = await runApplication(SQL.replace("'10m'", "'0s'").replace("'5'", "'1'"), {
      registry,
      cwd: mkdtempSync(join(tmpdir(), 'ferris-win-')),
    })
    expect(result.jobs[0]!.lateRecords).toBe(1)
    expect(store.rows('per_minute')).toEqual([['a', 60n * S, 120n * S, 2n, 4n]])
  })

  it('gives the same windows after a crash and a restart from the checkpoint', async () => {
    const { store, registry } = setup()
    const table = store.set('readings', rows, READINGS)
    const dir = mkdtempSync(join(tmpdir(), 'ferris-win-'))
    table.beforeRead = (pos) => {
      if (pos === 35) throw new Error('simulated crash')
    }
    await expect(runApplication(SQL, { registry, cwd: dir, checkpointIntervalMs: 0 })).rejects.toThrow(/crash/)
    delete table.beforeRead
    await runApplication(SQL, { registry, cwd: dir, checkpointIntervalMs: 0 })
    expect(table.readerStarts).toEqual([undefined, 35])
    expect(sorted(store.rows('per_minute'))).toEqual(expected())
  })

  it('gives the output of an uninterrupted run after crashes at many random points (windows closing mid-stream, late records)', async () => {
    // Out of order by up to 90 s with a 30 s delay: windows close while the stream runs and some records are late.
    const input: Row[] = Array.from({ length: 300 }, (_, i) => [
      ['a', 'b'][i % 2]!,
      BigInt(i * 2 + ((i * 7919) % 91) - 45) * S,
      i,
    ])
    const sql = SQL.replace("'10m'", "'30s'").replace("'5'", "'7'")
    const clean = setup()
    clean.store.set('readings', input, READINGS)
    const uninterrupted = await runApplication(sql, {
      registry: clean.registry,
      cwd: mkdtempSync(join(tmpdir(), 'w-')),
    })
    const want = clean.store.rows('per_minute')
    expect(uninterrupted.jobs[0]!.lateRecords).toBeGreaterThan(0)
    let seed = 12345
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    let total = 0
    for (let trial = 0; trial < 10; trial++) {
      const { store, registry } = setup()
      const table = store.set('readings', input, READINGS)
      const dir = mkdtempSync(join(tmpdir(), 'w-'))
      let crashes = 0
      for (;;) {
        const at = Math.floor(random() * input.length)
        let reads = 0
        table.beforeRead = () => {
          if (reads++ === Math.floor(at / 7) && crashes < 5) throw new Error('simulated crash')
        }
        try {
          await runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: random() < 0.5 ? 0 : 5 })
          break
        } catch (e) {
          expect(String(e)).toMatch(/simulated crash/)
          crashes++
        }
      }
      expect(store.rows('per_minute')).toEqual(want)
      total += crashes
    }
    expect(total).toBeGreaterThanOrEqual(10)
  }, 60_000)
})
