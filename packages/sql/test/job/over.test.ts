import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Row, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { setup } from '../support/fixtures.js'

const READINGS = Schema.of(['station', T.string], ['ts', T.timestamp('ms')], ['temp', T.int64])
const MS = 1_000_000n
const SQL = `CREATE STREAM changes AS
  SELECT station, ts, temp, temp - LAG(temp) OVER w AS delta, ROW_NUMBER() OVER w AS n,
    AVG(temp) OVER (PARTITION BY station ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS avg3,
    LEAD(temp) OVER w AS next_temp
  FROM readings
  WITH ('readings.uri' = 'memory://readings', 'readings.batch_size' = '7', 'readings.watermark.delay' = '40ms',
        'changes.uri' = 'memory://changes')`.replaceAll('OVER w', 'OVER (PARTITION BY station ORDER BY ts)')

// Out of order by up to 30 ms, within the 40 ms delay: nothing is late, every row has its place.
const input: Row[] = Array.from({ length: 300 }, (_, i) => [
  ['a', 'b', null][i % 3]!,
  BigInt(i * 5 + ((i * 7919) % 31)) * MS,
  BigInt((i * 37) % 101) - 50n,
])

/** The same query computed here, partition by partition, in event-time order. */
function expected(): Row[] {
  const parts = new Map<string | null, Row[]>()
  for (const row of input) parts.set(row[0] as string | null, [...(parts.get(row[0] as string | null) ?? []), row])
  const out: Row[] = []
  for (const rows of parts.values()) {
    rows.sort((x, y) => ((x[1] as bigint) < (y[1] as bigint) ? -1 : 1))
    rows.forEach((row, i) => {
      const temp = row[2] as bigint
      const window = rows.slice(Math.max(0, i - 2), i + 1).map((x) => x[2] as bigint)
      const sum = window.reduce((a, b) => a + b, 0n)
      out.push([
        row[0]!,
        row[1]!,
        temp,
        i === 0 ? null : temp - (rows[i - 1]![2] as bigint),
        BigInt(i + 1),
        // AVG of BIGINT is DECIMAL(38, 6), rounded half away from zero
        avg6(sum, BigInt(window.length)),
        i + 1 < rows.length ? rows[i + 1]![2]! : null,
      ])
    })
  }

  return sortRows(out)
}

function avg6(sum: bigint, n: bigint): string {
  const scaled = sum * 1_000_000n
  const q = scaled / n
  const rem = scaled % n
  const rounded = rem * 2n >= n ? q + 1n : rem * 2n <= -n ? q - 1n : q
  const sign = rounded < 0n ? '-' : ''
  const abs = (rounded < 0n ? -rounded : rounded).toString().padStart(7, '0')

  return `${sign}${abs.slice(0, -6)}.${abs.slice(-6)}`
}

const sortRows = (rows: Row[]) =>
  rows
    .map((r) => r.map((v) => (v !== null && typeof v === 'object' ? String(v) : v)))
    .sort((x, y) => ((x[1] as bigint) < (y[1] as bigint) ? -1 : (x[1] as bigint) > (y[1] as bigint) ? 1 : 0))

describe('runApplication: window functions (OVER)', () => {
  it('computes LAG, ROW_NUMBER, a moving AVG and LEAD per station in event-time order', async () => {
    const { store, registry } = setup()
    store.set('readings', input, READINGS)
    const result = await runApplication(SQL, { registry, cwd: mkdtempSync(join(tmpdir(), 'ferris-over-')) })
    expect(result.jobs[0]!.lateRecords).toBe(0)
    expect(sortRows(store.rows('changes'))).toEqual(expected())
  })

  it('gives the output of an uninterrupted run after crashes at random points and restarts from checkpoints', async () => {
    let seed = 4242
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    let total = 0
    for (let trial = 0; trial < 6; trial++) {
      const { store, registry } = setup()
      const table = store.set('readings', input, READINGS)
      const dir = mkdtempSync(join(tmpdir(), 'ferris-over-'))
      let crashes = 0
      for (;;) {
        const at = Math.floor(random() * (input.length / 7))
        let reads = 0
        table.beforeRead = () => {
          if (reads++ === at && crashes < 4) throw new Error('simulated crash')
        }
        try {
          await runApplication(SQL, { registry, cwd: dir, checkpointIntervalMs: random() < 0.5 ? 0 : 5 })
          break
        } catch (e) {
          expect(String(e)).toMatch(/simulated crash/)
          crashes++
        }
      }
      expect(sortRows(store.rows('changes'))).toEqual(expected())
      total += crashes
    }
    expect(total).toBeGreaterThanOrEqual(6)
  }, 60_000)

  it('counts rows behind the watermark as late', async () => {
    const { store, registry } = setup()
    store.set(
      'readings',
      [
        ['a', 100n * MS, 1n],
        ['a', 10n * MS, 2n],
        ['a', 200n * MS, 3n],
      ],
      READINGS,
    )
    const result = await runApplication(SQL.replace("'40ms'", "'0s'").replace("'7'", "'1'"), {
      registry,
      cwd: mkdtempSync(join(tmpdir(), 'ferris-over-')),
    })
    expect(result.jobs[0]!.lateRecords).toBe(1)
    expect(store.rows('changes').map((r) => [r[2], r[3], r[4]])).toEqual([
      [1n, null, 1n],
      [3n, 2n, 2n],
    ])
  })

  it('refuses, before reading, to sort an input that does not end, and says what to write', async () => {
    const { store, registry } = setup()
    store.set('readings', input, READINGS)
    const sql = `SELECT station, RANK() OVER (PARTITION BY station ORDER BY temp DESC) AS r FROM readings
      WITH ('readings.uri' = 'memory://readings?follow=true')`
    const run = runApplication(sql, { registry, cwd: mkdtempSync(join(tmpdir(), 'ferris-over-')) })
    await expect(run).rejects.toThrow(/needs its whole input before it can emit .*ordered by temp DESC.*does not end/)
    await expect(run).rejects.toMatchObject({
      context: { hint: expect.stringMatching(/ORDER BY ts|event-time TIMESTAMP/) },
    })
  })
})
