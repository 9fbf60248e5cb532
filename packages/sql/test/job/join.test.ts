import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Decimal, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { explain, plan } from '../../src/index.js'
import { runApplication } from '../../src/job/run-application.js'
import { setup } from '../support/fixtures.js'

const ORDERS = Schema.of(['id', T.int64], ['customer_id', T.int32], ['amount', T.decimal(10, 2)])
const CUSTOMERS = Schema.of(['id', T.int64], ['name', T.string], ['country', T.string])
const cwd = () => mkdtempSync(join(tmpdir(), 'ferris-join-'))
const WITH = `WITH ('orders.uri' = 'memory://orders', 'orders.batch_size' = '2', 'customers.uri' = 'memory://customers')`

function data() {
  const { store, registry } = setup()
  store.set(
    'orders',
    [
      [1n, 10, new Decimal(500n, 2)],
      [2n, 20, new Decimal(700n, 2)],
      [3n, null, new Decimal(100n, 2)],
      [4n, 30, new Decimal(900n, 2)],
      [5n, 10, new Decimal(300n, 2)],
    ],
    ORDERS,
  )
  store.set(
    'customers',
    [
      [10n, 'Ana', 'PT'],
      [20n, 'Ben', 'DE'],
      [20n, 'Ben again', 'AT'],
      [null, 'Nobody', 'FR'],
    ],
    CUSTOMERS,
  )
  return { store, registry }
}

describe('runApplication: stream-to-table joins', () => {
  it('joins each order to every customer with its key (INNER), comparing INT with BIGINT keys by value', async () => {
    const { registry } = data()
    const result = await runApplication(
      `SELECT o.id, c.name, o.amount FROM orders o JOIN customers c ON o.customer_id = c.id ${WITH}`,
      { registry, cwd: cwd() },
    )
    expect(result.jobs[0]!.rows!.map((r) => [r[0], r[1], String(r[2])])).toEqual([
      [1n, 'Ana', '5.00'],
      [2n, 'Ben', '7.00'],
      [2n, 'Ben again', '7.00'],
      [5n, 'Ana', '3.00'],
    ])
    expect(result.jobs[0]!.sources.customers!.read).toBe(4)
  })

  it('pads unmatched orders with NULLs in a LEFT join; NULL keys never match', async () => {
    const { registry } = data()
    const result = await runApplication(
      `SELECT o.id, c.name FROM orders AS o LEFT JOIN customers AS c ON c.id = o.customer_id AND c.country <> 'AT' ${WITH}`,
      { registry, cwd: cwd() },
    )
    expect(result.jobs[0]!.rows).toEqual([
      [1n, 'Ana'],
      [2n, 'Ben'],
      [3n, null],
      [4n, null],
      [5n, 'Ana'],
    ])
  })

  it('aggregates over a join and explains it', async () => {
    const { registry } = data()
    const sql = `SELECT country, SUM(amount) AS total FROM orders JOIN customers ON orders.customer_id = customers.id
      GROUP BY country EMIT FINAL ${WITH}`
    const result = await runApplication(sql, { registry, cwd: cwd() })
    expect(result.jobs[0]!.rows!.map((r) => [r[0], String(r[1])])).toEqual([
      ['PT', '8.00'],
      ['DE', '7.00'],
      ['AT', '7.00'],
    ])
    expect(explain(await plan(sql, { registry }))).toMatch(
      /Join INNER lookup table customers ON orders.customer_id = customers.id/,
    )
  })

  it('adds the customers no order matched, with NULL order columns, at the end of the stream (RIGHT, FULL)', async () => {
    const { registry } = data()
    const right = await runApplication(
      `SELECT o.id, c.name FROM orders o RIGHT JOIN customers c ON o.customer_id = c.id AND c.country <> 'AT' ${WITH}`,
      { registry, cwd: cwd() },
    )
    expect(right.jobs[0]!.rows).toEqual([
      [1n, 'Ana'],
      [2n, 'Ben'],
      [5n, 'Ana'],
      [null, 'Ben again'],
      [null, 'Nobody'],
    ])
    const full = await runApplication(
      `SELECT o.id, c.name FROM orders o FULL OUTER JOIN customers c ON o.customer_id = c.id ${WITH}`,
      { registry, cwd: cwd() },
    )
    expect(full.jobs[0]!.rows).toEqual([
      [1n, 'Ana'],
      [2n, 'Ben'],
      [2n, 'Ben again'],
      [3n, null],
      [4n, null],
      [5n, 'Ana'],
      [null, 'Nobody'],
    ])
  })

  it('remembers which customers were matched across a crash and a restart (FULL)', async () => {
    const { store, registry } = data()
    const orders = store.table('orders')
    const dir = cwd()
    const sql = `CREATE STREAM out AS SELECT o.id, c.name FROM orders o FULL JOIN customers c ON o.customer_id = c.id
      WITH ('orders.uri' = 'memory://orders', 'orders.batch_size' = '2', 'customers.uri' = 'memory://customers',
            'out.uri' = 'memory://out')`
    orders.beforeRead = (pos) => {
      if (pos === 4) throw new Error('simulated crash')
    }
    await expect(runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })).rejects.toThrow(/crash/)
    delete orders.beforeRead
    await runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })
    expect(store.rows('out')).toEqual([
      [1n, 'Ana'],
      [2n, 'Ben'],
      [2n, 'Ben again'],
      [3n, null],
      [4n, null],
      [5n, 'Ana'],
      [null, 'Nobody'],
    ])
  })

  it('rejects an ambiguous column, a join without an equality, and CROSS joins', async () => {
    const { registry } = data()
    await expect(
      plan(`SELECT id FROM orders JOIN customers ON orders.customer_id = customers.id ${WITH}`, { registry }),
    ).rejects.toThrow(/Column id is ambiguous: both sides of the join have it/)
    await expect(
      plan(`SELECT o.id FROM orders o JOIN customers c ON o.customer_id > c.id ${WITH}`, { registry }),
    ).rejects.toThrow(/needs at least one equality/)
    await expect(plan(`SELECT o.id FROM orders o CROSS JOIN customers c ${WITH}`, { registry })).rejects.toThrow(
      /CROSS JOIN of a stream is not supported yet/,
    )
  })

  it('refuses an unbounded source as the table side', async () => {
    const { store, registry } = data()
    store.set('feed', [], CUSTOMERS)
    await expect(
      runApplication(
        `SELECT o.id FROM orders o JOIN feed f ON o.customer_id = f.id
         WITH ('orders.uri' = 'memory://orders', 'feed.uri' = 'memory://feed?follow=true')`,
        { registry, cwd: cwd() },
      ),
    ).rejects.toThrow(/feed is a stream, but it is read here as a table at line 1, column 32/)
  })
})
