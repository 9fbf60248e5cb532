import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { setup } from '../support/fixtures.js'

/** Bad records of a stream-to-stream join name the stream they came from, and count per stream. */

const O = Schema.of(['id', T.int64], ['t', T.timestamp('ms')])
const P = Schema.of(['order_id', T.int64], ['t', T.timestamp('ms')], ['paid', T.int32])
const M = 60_000_000_000n

describe('interval join: late rows to the dead-letter sink', () => {
  it('names the side of the join each late row was read from, with its own record number', async () => {
    const { store, registry } = setup()
    // Two rows per batch, read alternately: order 3 arrives behind the orders' watermark (200 min), and
    // payments 3 and 4 behind the payments' watermark (500 min).
    store.set(
      'orders',
      [
        [1n, 100n * M],
        [2n, 200n * M],
        [3n, 1n * M],
        [4n, 300n * M],
      ],
      O,
    )
    store.set(
      'payments',
      [
        [1n, 101n * M, 1],
        [2n, 500n * M, 2],
        [3n, 2n * M, 3],
        [4n, 301n * M, 4],
      ],
      P,
    )
    store.set('dlq', [], undefined)
    const result = await runApplication(
      `SELECT o.id, p.paid FROM orders o LEFT JOIN payments p
         ON o.id = p.order_id AND p.t BETWEEN o.t AND o.t + INTERVAL '10' MINUTE
       WITH ('orders.uri' = 'memory://orders?batch_size=2', 'payments.uri' = 'memory://payments?batch_size=2',
             'job.late_records' = 'dead_letter', 'job.bad_records' = 'dead_letter', 'job.dlq.uri' = 'memory://dlq')`,
      { registry, cwd: mkdtempSync(join(tmpdir(), 'ferris-interval-dlq-')) },
    )
    expect(result.jobs[0]!.rows).toEqual([
      [1n, 1],
      [2n, null],
      [4n, null],
    ])
    // origin, the record named in the message, and the values of the row
    const dead = store.table('dlq').rows.map((r) => [r[2], String(r[1]).match(/record \d+ of \w+/)![0], r[6]])
    expect(dead).toEqual([
      ['orders', 'record 3 of orders', '{"id":"3","t":"60000000000"}'],
      ['payments', 'record 3 of payments', '{"order_id":"3","t":"120000000000","paid":3}'],
      ['payments', 'record 4 of payments', '{"order_id":"4","t":"18060000000000","paid":4}'],
    ])
    expect(result.jobs[0]!.sources).toMatchObject({ orders: { read: 4, bad: 1 }, payments: { read: 4, bad: 2 } })
  })
})
