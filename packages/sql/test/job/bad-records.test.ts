import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isFerrisError, type RecordMeta } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { ORDERS, orderRows, setup } from '../support/fixtures.js'

const cwd = () => mkdtempSync(join(tmpdir(), 'ferris-bad-'))
const badMeta = (n: number, bad: number[]) =>
  Array.from({ length: n }, (_, i) => (bad.includes(i) ? ({ bad: true } as RecordMeta) : { offset: BigInt(i) }))

describe('runApplication: bad records', () => {
  const sql = (extra: string) => `CREATE STREAM out AS SELECT id FROM orders
    WITH ('orders.uri' = 'memory://orders', 'out.uri' = 'memory://out'${extra})`

  it('fails on an undecodable record by default', async () => {
    const { store, registry } = setup()
    store.table('orders', ORDERS, orderRows(10), badMeta(10, [4]))
    await expect(runApplication(sql(''), { registry, cwd: cwd() })).rejects.toMatchObject({
      code: 'FERRIS_RECORD_MALFORMED',
      message: expect.stringMatching(/Row 4 of orders is malformed/),
    })
    expect(store.table('out').committed).toHaveLength(0)
  })

  it('skips and counts with bad_records = skip', async () => {
    const { store, registry } = setup()
    store.table('orders', ORDERS, orderRows(10), badMeta(10, [2, 4]))
    const result = await runApplication(sql(", 'orders.bad_records' = 'skip'"), { registry, cwd: cwd() })
    expect(store.table('out').committed).toHaveLength(8)
    expect(result.jobs[0]!.sources.orders).toEqual({ read: 8, bad: 2 })
  })

  it('writes dead letters as rows with the error, origin, position and raw text', async () => {
    const { store, registry } = setup()
    store.table('orders', ORDERS, orderRows(10), badMeta(10, [3]))
    const result = await runApplication(sql(", 'job.bad_records' = 'dead_letter', 'job.dlq.uri' = 'memory://dlq'"), {
      registry,
      cwd: cwd(),
    })
    const dlq = store.table('dlq')
    expect(dlq.committed).toHaveLength(1)
    const row = Object.fromEntries(dlq.schema.names.map((n, i) => [n, dlq.committed[0]![i]]))
    expect(row).toMatchObject({ origin: 'orders', error_code: 'FERRIS_RECORD_MALFORMED' })
    expect(JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toContain('raw-3')
    expect(result.jobs[0]!.deadLettered).toBe(1)
    expect(store.table('out').committed).toHaveLength(9)
  })

  it('names the source record when evaluating a row fails, under fail', async () => {
    const { store, registry } = setup()
    store.table('orders', ORDERS, orderRows(10), badMeta(10, []))
    try {
      await runApplication(
        "CREATE STREAM out AS SELECT qty * 1000000000 AS x FROM orders WITH ('orders.uri' = 'memory://orders', 'out.uri' = 'memory://out')",
        { registry, cwd: cwd() },
      )
      expect.unreachable()
    } catch (e) {
      expect(isFerrisError(e) && e.code).toBe('FERRIS_ARITHMETIC_OVERFLOW')
      expect((e as Error).message).toMatch(/Evaluating record 4 \(offset 3\) of orders failed/)
      expect(isFerrisError(e) && e.context.location).toMatchObject({ source: 'orders', record: 4, offset: 3n })
    }
  })

  it('skips rows whose evaluation fails under skip, and counts them against the source', async () => {
    const { store, registry } = setup()
    store.table('orders', ORDERS, orderRows(10))
    const result = await runApplication(
      "CREATE STREAM out AS SELECT id FROM orders WHERE qty * 1000000000 > 0 WITH ('orders.uri' = 'memory://orders', 'out.uri' = 'memory://out', 'job.bad_records' = 'skip')",
      { registry, cwd: cwd() },
    )
    // qty 1 and 2 pass; qty 0 is filtered out; 3..9 overflow INT and are skipped
    expect(store.table('out').committed).toHaveLength(2)
    expect(result.jobs[0]!.sources.orders).toEqual({ read: 10, bad: 7 })
  })
})
