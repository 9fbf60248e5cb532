import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DataReader, type Row, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import type { IntervalJoinOperator } from '../../src/execution/interval-join-operator.js'
import { Pipeline } from '../../src/execution/operators.js'
import { MergedReader } from '../../src/job/merged-reader.js'
import { runApplication } from '../../src/job/run-application.js'
import { plan } from '../../src/planner/planner.js'
import { setup } from '../support/fixtures.js'

const ORDERS = Schema.of(['id', T.int64], ['t', T.timestamp('ms')])
const PAYMENTS = Schema.of(['order_id', T.int64], ['t', T.timestamp('ms')], ['paid', T.int32])
const M = 60_000_000_000n
const SQL = `CREATE STREAM paid AS
  SELECT o.id, p.paid, p.t AS paid_at FROM orders o JOIN payments p
  ON o.id = p.order_id AND p.t BETWEEN o.t AND o.t + INTERVAL '1' HOUR
  WITH ('orders.uri' = 'memory://orders', 'orders.batch_size' = '2', 'payments.uri' = 'memory://payments',
        'payments.batch_size' = '2', 'paid.uri' = 'memory://paid')`

const orders: Row[] = [
  [1n, 0n],
  [2n, 10n * M],
  [3n, 20n * M],
  [null, 30n * M],
  [4n, 200n * M],
]
const payments: Row[] = [
  [1n, 30n * M, 100], // within the hour of order 1
  [2n, 5n * M, 200], // before its order: no match
  [3n, 80n * M, 300], // exactly one hour after order 3: BETWEEN includes it
  [1n, 61n * M, 101], // 61 minutes after order 1: too late
  [null, 30n * M, 999], // NULL keys never match
  [4n, 230n * M, 400],
]

describe('stream-to-stream interval joins', () => {
  it('matches rows of two streams whose times are within the bound, inclusive', async () => {
    const { store, registry } = setup()
    store.set('orders', orders, ORDERS)
    store.set('payments', payments, PAYMENTS)
    const result = await runApplication(SQL, { registry, cwd: mkdtempSync(join(tmpdir(), 'ferris-ij-')) })
    const rows = store.rows('paid').map((r) => [r[0], r[1]])
    expect(rows.sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
      [1n, 100],
      [3n, 300],
      [4n, 400],
    ])
    expect(result.jobs[0]!.sources.payments!.read).toBe(6)
    expect(result.jobs[0]!.sources.orders!.read).toBe(5)
  })

  it('resumes both streams and the buffers after a crash, with the output of an uninterrupted run', async () => {
    const { store, registry } = setup()
    const o = store.set('orders', orders, ORDERS)
    store.set('payments', payments, PAYMENTS)
    const dir = mkdtempSync(join(tmpdir(), 'ferris-ij-'))
    o.beforeRead = (pos) => {
      if (pos === 4) throw new Error('simulated crash')
    }
    await expect(runApplication(SQL, { registry, cwd: dir, checkpointIntervalMs: 0 })).rejects.toThrow(/crash/)
    delete o.beforeRead
    await runApplication(SQL, { registry, cwd: dir, checkpointIntervalMs: 0 })
    expect(o.readerStarts).toEqual([undefined, 4])
    expect(store.rows('paid').map((r) => [r[0], r[1]])).toEqual([
      [1n, 100],
      [3n, 300],
      [4n, 400],
    ])
  })

  it('frees buffered rows once the other stream is past the bound, and keeps them through a checkpoint', async () => {
    const planned = await plan(
      SQL.replace(/, 'paid.uri' = 'memory:\/\/paid'/, '').replace('CREATE STREAM paid AS', ''),
      {
        schemas: { orders: ORDERS, payments: PAYMENTS },
      },
    )
    const fake = (batches: Row[][], schema: Schema): DataReader => {
      let i = 0
      return {
        read: async () =>
          i < batches.length
            ? { kind: 'batch', batch: { schema, rows: batches[i++]! }, position: i }
            : { kind: 'end', position: i },
        commit: async () => {},
        seek: async () => {},
        hasMore: () => i < batches.length,
        close: async () => {},
      }
    }
    const reader = new MergedReader(
      fake([[[1n, 0n]], [[2n, 100n * M]]], ORDERS),
      fake([[[9n, 10n * M, 1]], [[2n, 130n * M, 2]]], PAYMENTS),
      [undefined, undefined],
    )
    const p = new Pipeline(planned.jobs[0]!.root, { queryStartNanos: 0n, timeZone: 'UTC' }, (e) => {
      throw e
    })
    const op = p.operators[0] as unknown as IntervalJoinOperator
    const next = async () => {
      const r = await reader.read()
      return r.kind === 'batch' ? p.process(r.batch).rows : []
    }
    expect(await next()).toEqual([]) // order 1 at 0
    expect(await next()).toEqual([]) // payment 9 at 10 min
    expect(op.size).toBe(2)
    expect(await next()).toEqual([]) // order 2 at 100 min: payment 9 can match no order from 100 min on
    expect(op.size).toBe(2)
    const state = JSON.parse(JSON.stringify(p.snapshot()))
    const restored = new Pipeline(planned.jobs[0]!.root, { queryStartNanos: 0n, timeZone: 'UTC' }, (e) => {
      throw e
    })
    restored.restore(state)
    const r = await reader.read() // payment 2 at 130 min: order 1 (bound 60 min) is freed, order 2 matches
    expect(r.kind === 'batch' ? restored.process(r.batch).rows.map((x) => [x[0], x[1]]) : []).toEqual([[2n, 2]])
    expect((restored.operators[0] as unknown as IntervalJoinOperator).size).toBe(2)
    expect((await reader.read()).kind).toBe('end')
  })

  it('rejects a time bound on columns that are not timestamps', async () => {
    const schemas = { orders: ORDERS, payments: PAYMENTS }
    await expect(
      plan(
        `SELECT o.id FROM orders o JOIN payments p ON o.id = p.order_id AND p.paid BETWEEN o.id AND o.id + INTERVAL '1' HOUR
         WITH ('orders.uri' = 'memory://o', 'payments.uri' = 'memory://p')`,
        { schemas },
      ),
    ).rejects.toThrow(/compares TIMESTAMPs, but p.paid is INT32/)
  })
})
