import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isFerrisError, type RecordMeta } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { ORDERS, orderRows, setup } from '../support/fixtures.js'

const cwd = () => mkdtempSync(join(tmpdir(), 'ferris-bad-'))
/** Orders where the rows at `bad` carry a string id: the memory reader reports them as not fitting the schema. */
const withBadRows = (n: number, bad: number[]) =>
  orderRows(n).map((r, i) => (bad.includes(i) ? ['not-a-number', ...r.slice(1)] : r))
const offsets = (n: number): RecordMeta[] => Array.from({ length: n }, (_, i) => ({ offset: BigInt(i) }))

describe('runApplication: bad records', () => {
  const sql = (extra: string) => `CREATE STREAM out AS SELECT id FROM orders
    WITH ('orders.uri' = 'memory://orders', 'out.uri' = 'memory://out'${extra})`

  it('fails on an undecodable record by default', async () => {
    const { store, registry } = setup()
    store.set('orders', withBadRows(10, [4]), ORDERS)
    await expect(runApplication(sql(''), { registry, cwd: cwd() })).rejects.toMatchObject({
      code: 'FERRIS_RECORD_MALFORMED',
      message: expect.stringMatching(/Row 4 of memory table "orders" does not fit the schema/),
    })
    expect(store.table('out').rows).toHaveLength(0)
  })

  it('skips and counts with bad_records = skip', async () => {
    const { store, registry } = setup()
    store.set('orders', withBadRows(10, [2, 4]), ORDERS)
    const result = await runApplication(sql(", 'orders.bad_records' = 'skip'"), { registry, cwd: cwd() })
    expect(store.table('out').rows).toHaveLength(8)
    expect(result.jobs[0]!.sources.orders).toEqual({ read: 8, bad: 2 })
  })

  it('writes dead letters as rows with the error, origin, position and the record values', async () => {
    const { store, registry } = setup()
    store.set('orders', withBadRows(10, [3]), ORDERS)
    const result = await runApplication(sql(", 'job.bad_records' = 'dead_letter', 'job.dlq.uri' = 'memory://dlq'"), {
      registry,
      cwd: cwd(),
    })
    const dlq = store.table('dlq')
    expect(dlq.rows).toHaveLength(1)
    const row = Object.fromEntries(dlq.schema!.names.map((n, i) => [n, dlq.rows[0]![i]]))
    expect(row).toMatchObject({ origin: 'orders', error_code: 'FERRIS_RECORD_MALFORMED' })
    expect(JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toContain('not-a-number')
    expect(result.jobs[0]!.deadLettered).toBe(1)
    expect(store.table('out').rows).toHaveLength(9)
  })

  it('names the source record when evaluating a row fails, under fail', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(10), ORDERS, offsets(10))
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
    store.set('orders', orderRows(10), ORDERS)
    const result = await runApplication(
      "CREATE STREAM out AS SELECT id FROM orders WHERE qty * 1000000000 > 0 WITH ('orders.uri' = 'memory://orders', 'out.uri' = 'memory://out', 'job.bad_records' = 'skip')",
      { registry, cwd: cwd() },
    )
    // qty 1 and 2 pass; qty 0 is filtered out; 3..9 overflow INT and are skipped
    expect(store.table('out').rows).toHaveLength(2)
    expect(result.jobs[0]!.sources.orders).toEqual({ read: 10, bad: 7 })
  })
})
