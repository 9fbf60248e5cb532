import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChangeKind, Decimal, type Row, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { explain, plan } from '../../src/index.js'
import { runApplication } from '../../src/job/run-application.js'
import { setup } from '../support/fixtures.js'

const ORDERS = Schema.of(['id', T.int64], ['customer_id', T.int64])
const CUSTOMERS = Schema.of(['id', T.int64], ['name', T.string])
const PAYMENTS = Schema.of(['customer_id', T.int64], ['amount', T.decimal(10, 2)])
const cwd = () => mkdtempSync(join(tmpdir(), 'ferris-tables-'))
const DECLARE = `CREATE TABLE customers (id BIGINT PRIMARY KEY, name STRING)
  WITH ('customers.uri' = 'memory://customers?follow=true');`

async function until(what: string, done: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** A table kept current by its change stream, and a following stream of orders, both in memory. */
function live() {
  const { store, registry } = setup()
  store.table('customers').schema = CUSTOMERS
  store.append('customers', [
    [10n, 'Ana'],
    [20n, 'Ben'],
    [30n, 'Cy'],
  ])
  store.table('orders').schema = ORDERS
  store.append('orders', [
    [1n, 10n],
    [2n, 20n],
  ])
  // The table reader's next read starts at `position` only after its previous batch was applied.
  let tablePosition = 0
  store.table('customers').beforeRead = (p) => {
    tablePosition = p
  }
  return { store, registry, tablePosition: () => tablePosition }
}

describe('runApplication: tables kept current by their change stream', () => {
  it('joins each stream row against the table as it is when the row is processed; table changes emit nothing', async () => {
    const { store, registry, tablePosition } = live()
    const out: Row[] = []
    const run = runApplication(
      `${DECLARE}
       SELECT o.id, c.name FROM orders o LEFT JOIN customers c ON o.customer_id = c.id
       WITH ('orders.uri' = 'memory://orders?follow=true')`,
      { registry, cwd: cwd(), onRows: (_job, batch) => void out.push(...batch.rows) },
    )
    // The table's contents when the job started are loaded before the first order.
    await until('the first orders', () => out.length === 2)
    store.append(
      'customers',
      [
        [10n, 'Ana v2'],
        [20n, null],
        [40n, 'Dee'],
      ],
      {
        kinds: [ChangeKind.UPDATE_AFTER, ChangeKind.DELETE, ChangeKind.INSERT],
      },
    )
    await until('the table changes to be applied', () => tablePosition() >= 6)
    expect(out).toHaveLength(2)
    store.append('orders', [
      [3n, 10n],
      [4n, 20n],
      [5n, 40n],
      [6n, 30n],
    ])
    store.end('orders')
    const result = await run
    expect(out).toEqual([
      [1n, 'Ana'],
      [2n, 'Ben'],
      [3n, 'Ana v2'],
      [4n, null],
      [5n, 'Dee'],
      [6n, 'Cy'],
    ])
    expect(result.jobs[0]!.sources.customers!.read).toBe(6)
  })

  it('keeps the table in checkpoints: a restart resumes its changes after the last one applied', async () => {
    const { store, registry, tablePosition } = live()
    const dir = cwd()
    const sql = `${DECLARE}
       SELECT o.id, c.name FROM orders o JOIN customers c ON o.customer_id = c.id
       WITH ('orders.uri' = 'memory://orders?follow=true', 'job.name' = 'enrich', 'job.checkpoint.dir' = 'cp')`
    const stop = new AbortController()
    const out: Row[] = []
    const first = runApplication(sql, {
      registry,
      cwd: dir,
      signal: stop.signal,
      onRows: (_job, batch) => void out.push(...batch.rows),
    })
    await until('the first orders', () => out.length === 2)
    store.append('customers', [[20n, 'Ben v2']], { kinds: [ChangeKind.UPDATE_AFTER] })
    await until('the change to be applied', () => tablePosition() >= 4)
    stop.abort()
    await first
    // While the job is down, a customer is deleted and an order arrives.
    store.append('customers', [[10n, null]], { kinds: [ChangeKind.DELETE] })
    store.append('orders', [
      [3n, 10n],
      [4n, 20n],
    ])
    store.end('orders')
    const again: Row[] = []
    await runApplication(sql, { registry, cwd: dir, onRows: (_job, batch) => void again.push(...batch.rows) })
    expect(again).toEqual([[4n, 'Ben v2']])
    // The second run read the table from the checkpointed position (4 rows), not from the beginning.
    expect(store.table('customers').readerStarts).toEqual([undefined, 4])
    // Only the first run, without a checkpoint position, asked for everything the source holds.
    expect(store.table('customers').readerFromStart).toEqual([true, false])
    expect(store.table('orders').readerFromStart).toEqual([false, false])
  })

  it('needs a key for a table that does not end, and refuses RIGHT and FULL joins with it', async () => {
    const { registry } = live()
    const keyless = await plan(
      `CREATE TABLE customers (id BIGINT, name STRING) WITH ('customers.uri' = 'memory://customers?follow=true');
       SELECT o.id FROM orders o JOIN customers c ON o.customer_id = c.id WITH ('orders.uri' = 'memory://orders')`,
      { registry },
    ).catch((e) => e)
    expect(keyless.message).toMatch(/Table customers has no PRIMARY KEY at line 1, column 14/)
    expect(keyless.context.hint).toMatch(/CREATE TABLE customers \(id BIGINT PRIMARY KEY/)
    await expect(
      plan(
        `${DECLARE} SELECT o.id FROM orders o RIGHT JOIN customers c ON o.customer_id = c.id WITH ('orders.uri' = 'memory://orders')`,
        { registry },
      ),
    ).rejects.toThrow(/A RIGHT join with table customers, which changes by key, is not supported yet/)
    await expect(
      plan(`CREATE STREAM customers (id BIGINT PRIMARY KEY, name STRING) WITH ('customers.uri' = 'memory://x')`),
    ).rejects.toThrow(/A stream has no PRIMARY KEY; customers declares one/)
  })

  it('explains a table kept current by its changes', async () => {
    const { registry } = live()
    const text = explain(
      await plan(
        `${DECLARE} SELECT o.id, c.name FROM orders o JOIN customers c ON o.customer_id = c.id WITH ('orders.uri' = 'memory://orders')`,
        { registry },
      ),
    )
    expect(text).toContain('Join INNER lookup table customers ON o.customer_id = c.id')
    expect(text).toContain(
      'Table customers [memory] (id BIGINT, name STRING): kept current by its changes, keyed by id',
    )
  })
})

describe('runApplication: CREATE TABLE ... AS SELECT as a table', () => {
  function payments(follow: boolean) {
    const { store, registry } = setup()
    const rows = [
      [10n, new Decimal(500n, 2)],
      [20n, new Decimal(100n, 2)],
      [10n, new Decimal(250n, 2)],
    ]
    if (follow) {
      store.table('payments').schema = PAYMENTS
      store.append('payments', rows)
    } else store.set('payments', rows, PAYMENTS)
    store.set(
      'orders',
      [
        [1n, 10n],
        [2n, 20n],
        [3n, 30n],
      ],
      ORDERS,
    )
    return { store, registry }
  }

  const CTAS = `CREATE TABLE spent AS SELECT customer_id, COUNT(*) AS n, SUM(amount) AS total FROM payments GROUP BY customer_id`

  it('materializes the query keyed by its GROUP BY columns and joins the stream to it', async () => {
    const { registry } = payments(false)
    const result = await runApplication(
      `${CTAS};
       SELECT o.id, s.n, s.total FROM orders o LEFT JOIN spent s ON o.customer_id = s.customer_id
       WITH ('orders.uri' = 'memory://orders', 'payments.uri' = 'memory://payments')`,
      { registry, cwd: cwd() },
    )
    // The table is no job of its own: it has no sink.
    expect(result.jobs).toHaveLength(1)
    expect(result.jobs[0]!.rows!.map((r) => [r[0], r[1], r[2] === null ? null : String(r[2])])).toEqual([
      [1n, 2n, '7.50'],
      [2n, 1n, '1.00'],
      [3n, null, null],
    ])
  })

  it('reads the table in subqueries too, and explains its query', async () => {
    const { registry } = payments(false)
    const sql = `${CTAS};
       SELECT id FROM orders WHERE customer_id IN (SELECT customer_id FROM spent WHERE total > 2)
       WITH ('orders.uri' = 'memory://orders', 'payments.uri' = 'memory://payments')`
    const result = await runApplication(sql, { registry, cwd: cwd() })
    expect(result.jobs[0]!.rows).toEqual([[1n]])
    const text = explain(await plan(sql, { registry }))
    expect(text).toContain(
      'Table spent [memory] (customer_id BIGINT, n BIGINT, total DECIMAL(38, 2)): read to its end, keyed by customer_id',
    )
    expect(text).toContain('Aggregate by customer_id: COUNT(*), SUM(amount) (EMIT CHANGES)')
  })

  it('keeps the table current as its query emits changes over a source that does not end', async () => {
    const { store, registry } = payments(true)
    store.table('orders').ended = false
    let tablePosition = 0
    store.table('payments').beforeRead = (p) => {
      tablePosition = p
    }
    const out: Row[] = []
    const run = runApplication(
      `${CTAS};
       SELECT o.id, s.total FROM orders o JOIN spent s ON o.customer_id = s.customer_id
       WITH ('orders.uri' = 'memory://orders?follow=true', 'payments.uri' = 'memory://payments?follow=true')`,
      { registry, cwd: cwd(), onRows: (_job, batch) => void out.push(...batch.rows) },
    )
    await until('the first orders', () => out.length === 2)
    store.append('payments', [
      [20n, new Decimal(900n, 2)],
      [30n, new Decimal(1n, 2)],
    ])
    await until('the payments to be applied', () => tablePosition >= 5)
    store.append('orders', [
      [4n, 20n],
      [5n, 30n],
    ])
    store.end('orders')
    await run
    expect(out.map((r) => [r[0], String(r[1])])).toEqual([
      [1n, '7.50'],
      [2n, '1.00'],
      [4n, '10.00'],
      [5n, '0.01'],
    ])
  })

  it('is keyed by a declared PRIMARY KEY, applying the upserts and deletes of its source', async () => {
    const { store, registry } = setup()
    store.table('log').schema = CUSTOMERS
    store.append(
      'log',
      [
        [10n, 'Ana'],
        [20n, 'Ben'],
        [10n, 'Ana v2'],
        [20n, null],
      ],
      {
        kinds: [ChangeKind.INSERT, ChangeKind.INSERT, ChangeKind.UPDATE_AFTER, ChangeKind.DELETE],
      },
    )
    store.end('log')
    store.set(
      'orders',
      [
        [1n, 10n],
        [2n, 20n],
      ],
      ORDERS,
    )
    const result = await runApplication(
      `CREATE TABLE latest (PRIMARY KEY (id)) AS SELECT id, UPPER(name) AS name FROM log;
       SELECT o.id, l.name FROM orders o LEFT JOIN latest l ON o.customer_id = l.id
       WITH ('orders.uri' = 'memory://orders', 'log.uri' = 'memory://log')`,
      { registry, cwd: cwd() },
    )
    expect(result.jobs[0]!.rows).toEqual([
      [1n, 'ANA V2'],
      [2n, null],
    ])
  })

  it('retracts from its GROUP BY over a change stream: an UPDATE_BEFORE shrinks a group, a group emptied by DELETE leaves the table', async () => {
    // The table's query learns its source's changelog capability, as the job's own query does: its aggregates
    // take retractions back, and the DELETE it emits for an emptied group removes the key from the table.
    const { store, registry } = payments(false)
    const I = ChangeKind.INSERT
    store.set(
      'payments',
      [
        [10n, new Decimal(500n, 2)],
        [20n, new Decimal(100n, 2)],
        [10n, new Decimal(250n, 2)],
        [10n, new Decimal(500n, 2)],
        [10n, new Decimal(600n, 2)],
        [20n, new Decimal(100n, 2)],
        [30n, new Decimal(7n, 2)],
      ],
      PAYMENTS,
      undefined,
      [I, I, I, ChangeKind.UPDATE_BEFORE, ChangeKind.UPDATE_AFTER, ChangeKind.DELETE, I],
    )
    const result = await runApplication(
      `${CTAS};
       SELECT o.id, s.n, s.total FROM orders o LEFT JOIN spent s ON o.customer_id = s.customer_id
       WITH ('orders.uri' = 'memory://orders', 'payments.uri' = 'memory://payments',
             'payments.changelog' = 'retract', 'payments.batch_size' = '1')`,
      { registry, cwd: cwd() },
    )
    expect(result.jobs[0]!.rows!.map((r) => [r[0], r[1], r[2] === null ? null : String(r[2])])).toEqual([
      [1n, 2n, '8.50'],
      [2n, null, null],
      [3n, 1n, '0.07'],
    ])
  })

  it('retracts from its GROUP BY over an upsert changelog kept current while the stream runs', async () => {
    const { store, registry } = setup()
    const U = ChangeKind.UPDATE_AFTER
    const D = ChangeKind.DELETE
    store.table('payments').schema = PAYMENTS
    // Message keys are payment ids: p2 moves from customer 20 to 10, and p3's tombstone empties customer 30.
    store.append(
      'payments',
      [
        [10n, new Decimal(500n, 2)],
        [20n, new Decimal(100n, 2)],
        [30n, new Decimal(300n, 2)],
      ],
      { kinds: [U, U, U], meta: ['p1', 'p2', 'p3'].map((key) => ({ key })) },
    )
    store.table('orders').schema = ORDERS
    store.append('orders', [
      [1n, 10n],
      [2n, 20n],
      [3n, 30n],
    ])
    let tablePosition = 0
    store.table('payments').beforeRead = (p) => {
      tablePosition = p
    }
    const out: Row[] = []
    const run = runApplication(
      `${CTAS};
       SELECT o.id, s.n, s.total FROM orders o LEFT JOIN spent s ON o.customer_id = s.customer_id
       WITH ('orders.uri' = 'memory://orders?follow=true',
             'payments.uri' = 'memory://payments?follow=true', 'payments.changelog' = 'upsert')`,
      { registry, cwd: cwd(), onRows: (_job, batch) => void out.push(...batch.rows) },
    )
    await until('the first orders', () => out.length === 3)
    store.append(
      'payments',
      [
        [10n, new Decimal(200n, 2)],
        [null, null],
      ],
      { kinds: [U, D], meta: ['p2', 'p3'].map((key) => ({ key })) },
    )
    await until('the payment changes to be applied', () => tablePosition >= 5)
    store.append('orders', [
      [4n, 10n],
      [5n, 20n],
      [6n, 30n],
    ])
    store.end('orders')
    await run
    expect(out.map((r) => [r[0], r[1], r[2] === null ? null : String(r[2])])).toEqual([
      [1n, 1n, '5.00'],
      [2n, 1n, '1.00'],
      [3n, 1n, '3.00'],
      [4n, 2n, '7.00'],
      [5n, null, null],
      [6n, null, null],
    ])
  })

  it('refuses reading it as a stream, and a table of a stream without a key', async () => {
    const { registry } = payments(true)
    await expect(
      plan(`${CTAS}; SELECT * FROM spent WITH ('payments.uri' = 'memory://payments')`, { registry }),
    ).rejects.toThrow(/spent is a table computed by CREATE TABLE \.\.\. AS SELECT at line 1/)
    const e = await plan(
      `CREATE TABLE big AS SELECT customer_id FROM payments WHERE amount > 1;
       SELECT id FROM orders WHERE customer_id IN (SELECT customer_id FROM big)
       WITH ('orders.uri' = 'memory://orders', 'payments.uri' = 'memory://payments?follow=true')`,
      { registry },
    ).catch((x) => x)
    expect(e.message).toMatch(/Table big reads a source that does not end, but has no key/)
    expect(e.context.hint).toMatch(/PRIMARY KEY \(id\)\) AS SELECT/)
  })
})

describe('CREATE TABLE ... AS SELECT ... EMIT FINAL over a bounded source', () => {
  it('fills the table with the final groups before the stream starts, for joins and subqueries', async () => {
    const { store, registry } = setup()
    const rows: Row[] = [
      [1n, 10n],
      [2n, 20n],
      [3n, 10n],
    ]
    store.set('orders', rows, ORDERS)
    store.set('history', rows, ORDERS)
    const table = `CREATE TABLE per_customer AS SELECT customer_id, COUNT(*) AS n FROM history GROUP BY customer_id EMIT FINAL;`
    const props = `WITH ('orders.uri' = 'memory://orders', 'history.uri' = 'memory://history')`
    const joined = await runApplication(
      `${table} SELECT o.id, p.n FROM orders o JOIN per_customer p ON p.customer_id = o.customer_id ${props}`,
      { registry, cwd: cwd() },
    )
    expect(joined.jobs[0]!.rows).toEqual([
      [1n, 2n],
      [2n, 1n],
      [3n, 2n],
    ])
    const scalar = await runApplication(
      `${table} SELECT o.id, (SELECT n FROM per_customer p WHERE p.customer_id = o.customer_id) AS n FROM orders o ${props}`,
      { registry, cwd: cwd() },
    )
    expect(scalar.jobs[0]!.rows!.map((r) => r[1])).toEqual([2n, 1n, 2n])
  })
})
