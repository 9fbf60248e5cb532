import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Decimal, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { ORDERS, orderRows, setup } from '../support/fixtures.js'

describe('runApplication', () => {
  it('filters and projects from a memory source into a memory sink', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(100), ORDERS)
    const cwd = mkdtempSync(join(tmpdir(), 'ferris-sql-'))
    const result = await runApplication(
      `CREATE STREAM big AS SELECT id, amount, qty * 2 AS q2 FROM orders WHERE qty >= 90
       WITH ('orders.uri' = 'memory://orders', 'big.uri' = 'memory://big')`,
      { registry, cwd },
    )
    const big = store.table('big')
    expect(big.rows).toHaveLength(10)
    expect(big.rows[0]).toEqual([9007199254740993n + 90n, new Decimal(90005n, 2), 180])
    expect(result.jobs[0]!.sources.orders!.read).toBe(100)
  })
})

describe('runApplication: output, limits, backpressure and cancellation', () => {
  it('passes 64-bit ids, decimals and timestamps through bit for bit', async () => {
    const { store, registry } = setup()
    const schema = Schema.of(['id', T.int64], ['amount', T.decimal(38, 9)], ['ts', T.timestamp('ns')])
    const rows = [
      [9223372036854775807n, Decimal.parse('12345678901234567890123456789.123456789'), 1_700_000_000_123_456_789n],
      [-9223372036854775808n, Decimal.parse('-0.000000001'), -1n],
    ]
    store.set('orders', rows, schema)
    await runApplication(
      "CREATE STREAM out AS SELECT * FROM orders WITH ('orders.uri' = 'memory://orders', 'out.uri' = 'memory://out')",
      { registry, cwd: mkdtempSync(join(tmpdir(), 'ferris-sql-')) },
    )
    expect(store.table('out').rows).toEqual(rows)
    expect(String(store.table('out').rows[0]![1])).toBe('12345678901234567890123456789.123456789')
  })

  it('returns the rows of a bare SELECT, or hands them to onRows batch by batch', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(30), ORDERS)
    const sql = "SELECT id, UPPER(country) AS c FROM orders WHERE qty < 3 WITH ('orders.uri' = 'memory://orders')"
    const result = await runApplication(sql, { registry })
    expect(result.jobs[0]!.rows).toEqual([
      [9007199254740993n, 'PT'],
      [9007199254740994n, 'DE'],
      [9007199254740995n, 'FR'],
    ])
    const seen: number[] = []
    await runApplication(sql, {
      registry,
      onRows: (job, batch) => {
        expect(job).toBe('select_1')
        seen.push(batch.rows.length)
      },
    })
    expect(seen).toEqual([3])
  })

  it('stops reading once LIMIT is reached', async () => {
    const { store, registry } = setup()
    const orders = store.set('orders', orderRows(1000), ORDERS)
    let reads = 0
    orders.beforeRead = () => {
      reads++
    }
    const result = await runApplication(
      "SELECT id FROM orders LIMIT 15 WITH ('orders.uri' = 'memory://orders', 'orders.batch_size' = '10')",
      { registry },
    )
    expect(result.jobs[0]!.rows).toHaveLength(15)
    expect(reads).toBe(2)
  })

  it('awaits each write before reading the next batch', async () => {
    const { store, registry } = setup()
    const orders = store.set('orders', orderRows(100), ORDERS)
    let inFlight = 0
    let maxInFlight = 0
    orders.beforeRead = () => {
      maxInFlight = Math.max(maxInFlight, inFlight)
    }
    await runApplication("SELECT id FROM orders WITH ('orders.uri' = 'memory://orders', 'orders.batch_size' = '10')", {
      registry,
      onRows: async () => {
        inFlight++
        await new Promise((r) => setTimeout(r, 2))
        inFlight--
      },
    })
    expect(maxInFlight).toBe(0)
  })

  it('stops on abort, committing what was written', async () => {
    const { store, registry } = setup()
    const orders = store.set('orders', orderRows(100), ORDERS)
    const controller = new AbortController()
    orders.beforeRead = (pos) => {
      if (pos === 30) controller.abort()
    }
    const result = await runApplication(
      "CREATE STREAM out AS SELECT id FROM orders WITH ('orders.uri' = 'memory://orders', 'orders.batch_size' = '10', 'out.uri' = 'memory://out')",
      { registry, cwd: mkdtempSync(join(tmpdir(), 'ferris-sql-')), signal: controller.signal },
    )
    expect(result.jobs[0]!.state).toBe('cancelled')
    expect(store.table('out').rows.length).toBeGreaterThanOrEqual(30)
    expect(store.table('out').rows.length).toBeLessThan(100)
    expect(orders.readCommits.at(-1)).toBe(store.table('out').rows.length)
  })

  it('reports progress counters while running', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(50), ORDERS)
    const reads: number[] = []
    await runApplication("SELECT id FROM orders WITH ('orders.uri' = 'memory://orders', 'orders.batch_size' = '20')", {
      registry,
      onProgress: (p) => reads.push(p.jobs[0]!.sources.orders!.read),
    })
    // The first report says the job started (state running), before anything was read.
    expect(reads.slice(0, 4)).toEqual([0, 20, 40, 50])
  })

  it('checks the whole application before opening any source', async () => {
    const { store, registry } = setup()
    const orders = store.set('orders', orderRows(5), ORDERS)
    await expect(
      runApplication("SELECT id FROM orders; SELECT nope FROM orders WITH ('orders.uri' = 'memory://orders')", {
        registry,
      }),
    ).rejects.toThrow(/Unknown column "nope"/)
    expect(orders.readerStarts).toEqual([])
  })
})

describe('runApplication: several statements and metadata', () => {
  it('runs CREATE TABLE, INSERT INTO and CREATE STREAM of one application side by side', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(20), ORDERS)
    const result = await runApplication(
      `CREATE TABLE pt AS SELECT id FROM orders WHERE country = 'PT';
       INSERT INTO de SELECT id, qty FROM orders WHERE country = 'DE';
       CREATE STREAM all_rows AS SELECT * FROM orders
       WITH ('orders.uri' = 'memory://orders', 'pt.uri' = 'memory://pt', 'de.uri' = 'memory://de',
             'all_rows.uri' = 'memory://all_rows')`,
      { registry, cwd: mkdtempSync(join(tmpdir(), 'ferris-sql-')) },
    )
    expect(result.jobs.map((j) => [j.name, j.sink.written])).toEqual([
      ['pt', 7],
      ['de', 7],
      ['all_rows', 20],
    ])
    expect(store.table('de').schema?.names).toEqual(['id', 'qty'])
  })

  it('reads record keys, headers, partitions and offsets', async () => {
    const { store, registry } = setup()
    const enc = new TextEncoder()
    store.set('orders', orderRows(2), ORDERS, [
      { key: 'k0', partition: 1, offset: 10n, timestamp: 5n, headers: [{ key: 'trace', value: enc.encode('t-0') }] },
      { key: enc.encode('k1'), partition: 2, offset: 11n, headers: [{ key: 'a', value: null }] },
    ])
    const result = await runApplication(
      "SELECT _key, _partition, _offset, _timestamp FROM orders WITH ('orders.uri' = 'memory://orders')",
      { registry },
    )
    expect(result.jobs[0]!.rows).toEqual([
      ['k0', 1, 10n, 5n],
      ['k1', 2, 11n, null],
    ])
  })

  it('dead-letters rows whose evaluation fails, with the row values', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(5), ORDERS)
    await runApplication(
      `CREATE STREAM out AS SELECT 10 / (qty - 2) AS x FROM orders
       WITH ('orders.uri' = 'memory://orders', 'out.uri' = 'memory://out', 'orders.bad_records' = 'dead_letter',
             'orders.dlq.uri' = 'memory://dlq')`,
      { registry, cwd: mkdtempSync(join(tmpdir(), 'ferris-sql-')) },
    )
    expect(store.table('out').rows).toEqual([[-5], [-10], [10], [5]])
    const dlq = store.table('dlq')
    const row = Object.fromEntries(dlq.schema!.names.map((n, i) => [n, dlq.rows[0]![i]]))
    expect(row).toMatchObject({ origin: 'orders', error_code: 'FERRIS_DIVISION_BY_ZERO' })
    expect(String(row.error_message)).toMatch(/record 3 of orders/)
  })
})
