import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChangeKind, Decimal, type RecordBatch } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { ORDERS, orderRows, setup } from '../support/fixtures.js'

const cwd = () => mkdtempSync(join(tmpdir(), 'ferris-agg-'))
const TOTALS = `CREATE STREAM totals AS
  SELECT country, COUNT(*) AS n, COUNT(customer) AS named, SUM(amount) AS total, MIN(qty) AS lo, MAX(qty) AS hi,
         AVG(qty) AS mean, SUM(qty) FILTER (WHERE qty > 10) AS big
  FROM orders GROUP BY country EMIT FINAL
  WITH ('orders.uri' = 'memory://orders', 'orders.batch_size' = '7', 'totals.uri' = 'memory://totals')`

/** What the query must give, computed here in plain JavaScript. */
function expected(n: number) {
  const rows = orderRows(n)
  const byCountry = new Map<string, typeof rows>()
  for (const r of rows) byCountry.set(r[5] as string, [...(byCountry.get(r[5] as string) ?? []), r])
  return [...byCountry].map(([c, rs]) => {
    const qty = rs.map((r) => r[3] as number)
    const big = qty.filter((q) => q > 10)
    return [
      c,
      BigInt(rs.length),
      BigInt(rs.filter((r) => r[1] !== null).length),
      rs.reduce((a, r) => a.add(r[2] as Decimal), new Decimal(0n, 2)).toString(),
      Math.min(...qty),
      Math.max(...qty),
      new Decimal(BigInt(qty.reduce((a, b) => a + b, 0)), 0).div(new Decimal(BigInt(qty.length), 0), 6).toString(),
      big.length === 0 ? null : BigInt(big.reduce((a, b) => a + b, 0)),
    ]
  })
}
const printable = (rows: unknown[][]) => rows.map((r) => r.map((v) => (v instanceof Decimal ? v.toString() : v)))

describe('runApplication: GROUP BY', () => {
  it('emits one exact row per group at the end of bounded input with EMIT FINAL', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(50), ORDERS)
    await runApplication(TOTALS, { registry, cwd: cwd() })
    expect(printable(store.rows('totals'))).toEqual(expected(50))
  })

  it('gives the same final output after a crash and a restart from the checkpoint', async () => {
    const { store, registry } = setup()
    const orders = store.set('orders', orderRows(50), ORDERS)
    const dir = cwd()
    orders.beforeRead = (pos) => {
      if (pos === 28) throw new Error('simulated crash')
    }
    await expect(runApplication(TOTALS, { registry, cwd: dir, checkpointIntervalMs: 0 })).rejects.toThrow(/crash/)
    expect(store.rows('totals')).toEqual([])
    delete orders.beforeRead
    await runApplication(TOTALS, { registry, cwd: dir, checkpointIntervalMs: 0 })
    expect(orders.readerStarts).toEqual([undefined, 28])
    expect(printable(store.rows('totals'))).toEqual(expected(50))
    // a rerun of the finished job writes nothing twice
    await runApplication(TOTALS, { registry, cwd: dir })
    expect(store.rows('totals')).toHaveLength(3)
  })

  it('emits an updated row per changed group and batch with EMIT CHANGES, keyed for upserts', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(30), ORDERS)
    const batches: RecordBatch[] = []
    await runApplication(
      "SELECT country, COUNT(*) AS n FROM orders WHERE qty < 6 GROUP BY country WITH ('orders.uri' = 'memory://orders', 'orders.batch_size' = '4')",
      { registry, onRows: (_job, b) => void batches.push(b) },
    )
    // qty 0..3 in the first batch (PT, DE, FR, PT), 4..5 in the second (DE, FR)
    expect(batches.map((b) => b.rows)).toEqual([
      [
        ['PT', 2n],
        ['DE', 1n],
        ['FR', 1n],
      ],
      [
        ['DE', 2n],
        ['FR', 2n],
      ],
    ])
    expect([...batches[0]!.kinds!]).toEqual([ChangeKind.UPDATE_AFTER, ChangeKind.UPDATE_AFTER, ChangeKind.UPDATE_AFTER])
    expect(batches[0]!.keyFields).toEqual([0])

    await runApplication(
      `CREATE STREAM counts AS SELECT country, COUNT(*) AS n FROM orders GROUP BY country
       WITH ('orders.uri' = 'memory://orders', 'orders.batch_size' = '4', 'counts.uri' = 'memory://counts?mode=upsert')`,
      { registry, cwd: cwd() },
    )
    expect(store.rows('counts')).toEqual([
      ['PT', 10n],
      ['DE', 10n],
      ['FR', 10n],
    ])
  })

  it('filters groups with HAVING and aggregates the whole input without GROUP BY', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(10), ORDERS)
    const having = await runApplication(
      "SELECT country, SUM(qty) AS s FROM orders GROUP BY country HAVING SUM(qty) > 13 EMIT FINAL WITH ('orders.uri' = 'memory://orders')",
      { registry },
    )
    // PT: 0+3+6+9 = 18, DE: 1+4+7 = 12, FR: 2+5+8 = 15
    expect(having.jobs[0]!.rows).toEqual([
      ['PT', 18n],
      ['FR', 15n],
    ])
    const global = await runApplication(
      "SELECT COUNT(*) AS n, SUM(qty) AS s, MIN(customer) AS first FROM orders WHERE qty > 100 EMIT FINAL WITH ('orders.uri' = 'memory://orders')",
      { registry },
    )
    expect(global.jobs[0]!.rows).toEqual([[0n, null, null]])
  })

  it('computes variance, standard deviation, first and last values and string aggregation', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(10), ORDERS)
    const result = await runApplication(
      `SELECT country, VAR_SAMP(qty) AS vs, VAR_POP(qty) AS vp, STDDEV(qty) AS sd, STDDEV_POP(qty) AS sdp,
              FIRST_VALUE(customer) AS f, LAST_VALUE(customer) AS l, LISTAGG(customer) AS la,
              STRING_AGG(customer, ' | ') AS sa, VARIANCE(CASE WHEN qty = 0 THEN qty END) AS single
       FROM orders GROUP BY country EMIT FINAL WITH ('orders.uri' = 'memory://orders')`,
      { registry },
    )
    const pt = result.jobs[0]!.rows![0]!
    // PT has qty 0, 3, 6, 9 and customers null (i = 0), customer-3, customer-6, customer-9
    expect(pt[0]).toBe('PT')
    expect(pt[1]).toBeCloseTo(15, 12)
    expect(pt[2]).toBeCloseTo(11.25, 12)
    expect(pt[3]).toBeCloseTo(Math.sqrt(15), 12)
    expect(pt[4]).toBeCloseTo(Math.sqrt(11.25), 12)
    expect(pt.slice(5)).toEqual([
      'customer-3',
      'customer-9',
      'customer-3,customer-6,customer-9',
      'customer-3 | customer-6 | customer-9',
      null,
    ])
  })

  it('fails on a BIGINT sum overflow, naming the record', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(3), ORDERS)
    await expect(
      runApplication("SELECT SUM(id * 1000) FROM orders EMIT FINAL WITH ('orders.uri' = 'memory://orders')", {
        registry,
      }),
    ).rejects.toThrow(/Evaluating record \d of orders failed: .*overflow/i)
  })
})

describe('runApplication: COUNT(DISTINCT) across a restart', () => {
  it('keeps the distinct values seen before the crash in the checkpoint', async () => {
    const { store, registry } = setup()
    const orders = store.set('orders', orderRows(40), ORDERS)
    const dir = cwd()
    const sql = `CREATE STREAM d AS SELECT country, COUNT(DISTINCT qty % 4) AS k, COUNT(*) AS n FROM orders GROUP BY country EMIT FINAL
      WITH ('orders.uri' = 'memory://orders', 'orders.batch_size' = '5', 'd.uri' = 'memory://d')`
    orders.beforeRead = (pos) => {
      if (pos === 20) throw new Error('simulated crash')
    }
    await expect(runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })).rejects.toThrow()
    delete orders.beforeRead
    await runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })
    expect(store.rows('d')).toEqual([
      ['PT', 4n, 14n],
      ['DE', 4n, 13n],
      ['FR', 4n, 13n],
    ])
  })
})
