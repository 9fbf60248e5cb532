import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DataReader, type Row, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import type { IntervalJoinOperator } from '../../src/execution/interval-join-operator.js'
import { Pipeline } from '../../src/execution/operators.js'
import { MergedReader } from '../../src/job/merged-reader.js'
import { runApplication } from '../../src/job/run-application.js'
import { explain } from '../../src/planner/explain.js'
import { plan } from '../../src/planner/planner.js'
import { setup } from '../support/fixtures.js'

const ORDERS = Schema.of(['id', T.int64], ['t', T.timestamp('ms')])
const PAYMENTS = Schema.of(['order_id', T.int64], ['t', T.timestamp('ms')], ['paid', T.int32])
const M = 60_000_000_000n
const MS = 1_000_000n

/** Orders joined to the payments made within 10 minutes after them (both ends included). */
const query = (type: string, extra = '') =>
  `SELECT o.id, p.order_id, p.paid FROM orders o ${type} JOIN payments p
   ON o.id = p.order_id AND p.t BETWEEN o.t AND o.t + INTERVAL '10' MINUTE
   WITH ('orders.uri' = 'memory://orders', 'payments.uri' = 'memory://payments'${extra})`

type Step = readonly ['orders' | 'payments', Row[]]

/** A merged reader that hands over exactly the batches of `steps`, in that order, then ends. */
function scripted(steps: readonly Step[]): MergedReader {
  let i = 0
  const fake = (side: Step[0], schema: Schema): DataReader => ({
    read: async () => {
      if (i >= steps.length) return { kind: 'end', position: i }
      if (steps[i]![0] !== side) return { kind: 'idle', position: i }
      return { kind: 'batch', batch: { schema, rows: steps[i++]![1] }, position: i }
    },
    commit: async () => {},
    seek: async () => {},
    hasMore: () => i < steps.length,
    close: async () => {},
  })

  return new MergedReader(fake('orders', ORDERS), fake('payments', PAYMENTS), [undefined, undefined])
}

/** Runs the steps through the planned pipeline: the rows each step emitted, then what the end of input emits. */
async function drive(sql: string, steps: readonly Step[], pipeline?: Pipeline) {
  const p = pipeline ?? (await pipelineOf(sql))
  const reader = scripted(steps)
  const out: Row[][] = []
  for (;;) {
    const r = await reader.read()
    if (r.kind !== 'batch') break
    out.push(p.process(r.batch).rows)
  }

  return { out, end: () => p.finish().flatMap((b) => b.rows), pipeline: p }
}

async function pipelineOf(
  sql: string,
  onError: (e: unknown) => void = (e) => {
    throw e
  },
) {
  const planned = await plan(sql, { schemas: { orders: ORDERS, payments: PAYMENTS } })

  return new Pipeline(planned.jobs[0]!.root, { queryStartNanos: 0n, timeZone: 'UTC' }, onError)
}

const sorted = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a, big).localeCompare(JSON.stringify(b, big))) as Row[]
const big = (_: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)

describe('LEFT, RIGHT and FULL interval joins', () => {
  it('pads an unmatched left row once the right watermark passes the end of its interval, not at the end itself', async () => {
    const { out, end } = await drive(query('LEFT'), [
      ['orders', [[1n, 0n]]],
      ['payments', [[9n, 10n * M, 1]]], // right watermark exactly at 0 + 10 min: a payment at 10 min could still match
      ['payments', [[9n, 10n * M + MS, 2]]], // now past it
      ['payments', [[9n, 30n * M, 3]]],
    ])
    expect(out).toEqual([[], [], [[1n, null, null]], []])
    expect(end()).toEqual([])
  })

  it('matches rows exactly at both ends of the interval and never pads a row that matched', async () => {
    const { out, end } = await drive(query('FULL'), [
      [
        'orders',
        [
          [1n, 0n],
          [2n, 100n * M],
        ],
      ],
      [
        'payments',
        [
          [1n, 10n * M, 10], // the upper end, included
          [2n, 100n * M, 20], // the lower end, included
          [2n, 100n * M - MS, 21], // just before its order, and behind the left watermark: padded at once
        ],
      ],
      ['orders', [[3n, 500n * M]]],
      ['payments', [[3n, 600n * M, 30]]],
    ])
    expect(out[0]).toEqual([])
    expect(out[1]).toEqual([
      [1n, 1n, 10],
      [2n, 2n, 20],
      [null, 2n, 21],
    ])
    // The left watermark at 500 min frees the other payments: they matched, so nothing comes out.
    expect(out[2]).toEqual([])
    // The right watermark at 600 min frees orders 1 and 2 (matched: nothing) and order 3 (unmatched: padded).
    expect(sorted(out[3]!)).toEqual([[3n, null, null]])
    // Payment 3 is still buffered (its last possible order time is 600 min): the end of input pads it.
    expect(end()).toEqual([[null, 3n, 30]])
  })

  it('pads rows of both sides that nothing matched at the end of bounded input (FULL)', async () => {
    const { store, registry } = setup()
    store.set(
      'orders',
      [
        [1n, 0n],
        [2n, 5n * M],
        [null, 6n * M],
        [4n, 7n * M],
      ],
      ORDERS,
    )
    store.set(
      'payments',
      [
        [1n, 3n * M, 100],
        [1n, 4n * M, 101],
        [3n, 5n * M, 300],
        [null, 6n * M, 999],
        [4n, 30n * M, 400],
      ],
      PAYMENTS,
    )
    const sql = `CREATE STREAM out AS ${query('FULL', ", 'out.uri' = 'memory://out'")}`
    await runApplication(sql, { registry, cwd: mkdtempSync(join(tmpdir(), 'ferris-oij-')) })
    expect(sorted(store.rows('out'))).toEqual(
      sorted([
        [1n, 1n, 100],
        [1n, 1n, 101],
        [2n, null, null],
        [null, null, null], // the order with a NULL id, padded
        [4n, null, null], // its payment came 23 minutes later
        [null, 3n, 300],
        [null, null, 999], // the payment with a NULL order id, padded
        [null, 4n, 400],
      ]),
    )
  })

  it('pads rows with a NULL key at once on an outer side, and leaves them out of an inner join', async () => {
    const steps: Step[] = [
      [
        'orders',
        [
          [null, 0n],
          [1n, 0n],
        ],
      ],
      [
        'payments',
        [
          [null, M, 7],
          [1n, M, 8],
        ],
      ],
    ]
    expect((await drive(query('LEFT'), steps)).out).toEqual([[[null, null, null]], [[1n, 1n, 8]]])
    expect((await drive(query('RIGHT'), steps)).out).toEqual([
      [],
      [
        [null, null, 7],
        [1n, 1n, 8],
      ],
    ])
    expect((await drive(query(''), steps)).out).toEqual([[], [[1n, 1n, 8]]])
  })

  it('pads unmatched right rows once the left watermark passes their time minus the lower bound (RIGHT)', async () => {
    const sql = query('RIGHT').replace("BETWEEN o.t AND o.t + INTERVAL '10' MINUTE", 'BETWEEN o.t - 5m AND o.t + 5m')
    const { out, end } = await drive(sql, [
      ['payments', [[1n, 20n * M, 1]]], // can match orders from 15 to 25 min
      ['orders', [[9n, 25n * M]]],
      ['orders', [[9n, 25n * M + MS]]],
    ])
    expect(out).toEqual([[], [], [[null, 1n, 1]]])
    expect(end()).toEqual([])
    expect(explain(await plan(sql, { schemas: { orders: ORDERS, payments: PAYMENTS } }))).toContain(
      'Join RIGHT interval stream payments ON o.id = p.order_id AND p.t BETWEEN o.t - 5m AND o.t + 5m; p.t in [o.t - 5m, o.t + 5m], watermark delay 0s, late records drop',
    )
  })

  it('joins rows that arrive out of order within the watermark delay', async () => {
    const steps: Step[] = [
      ['orders', [[1n, 0n]]],
      ['payments', [[2n, 12n * M, 1]]],
      ['payments', [[1n, 8n * M, 2]]], // 4 minutes behind the largest payment time
    ]
    const delayed = await drive(query('LEFT', ", 'payments.watermark.delay' = '5m'"), steps)
    expect(delayed.out).toEqual([[], [], [[1n, 1n, 2]]])
    // The lower side's watermark (orders: 0 minus the 5 minutes delay) is what the watermark-lag metric reports.
    expect((delayed.pipeline.operators[0] as unknown as IntervalJoinOperator).watermark).toBe(-5n * M)
    expect(delayed.end()).toEqual([])
    // Without the delay the payment is late: dropped (counted), and order 1 was padded when the watermark passed.
    const strict = await drive(query('LEFT'), steps)
    expect(strict.out).toEqual([[], [[1n, null, null]], []])
    expect(strict.pipeline.lateRecords).toBe(1)
  })

  it('drops, dead-letters or (with update) still joins rows behind their side of the watermark', async () => {
    const steps: Step[] = [
      ['orders', [[1n, 20n * M]]],
      ['payments', [[1n, 25n * M, 1]]],
      ['orders', [[2n, 10n * M]]], // 10 minutes behind the left watermark: late
      ['payments', [[2n, 15n * M, 2]]], // 10 minutes behind the right watermark: late
    ]
    const dropped = await drive(query('LEFT'), steps)
    expect(dropped.out).toEqual([[], [[1n, 1n, 1]], [], []])
    expect(dropped.pipeline.lateRecords).toBe(2)

    const errors: unknown[] = []
    const p = await pipelineOf(
      query(
        'LEFT',
        ", 'job.late_records' = 'dead_letter', 'job.bad_records' = 'dead_letter', 'job.dlq.uri' = 'memory://dlq'",
      ),
      (e) => errors.push(e),
    )
    await drive('', steps, p)
    expect(String(errors[0])).toMatch(
      /Late record: its event time 1970-01-01T00:10:00.000000000Z is behind the watermark 1970-01-01T00:20:00.000000000Z/,
    )

    const updated = await drive(query('LEFT', ", 'job.late_records' = 'update', 'job.allowed_lateness' = '15m'"), steps)
    expect(updated.out).toEqual([[], [[1n, 1n, 1]], [], [[2n, 2n, 2]]])
    expect(updated.pipeline.lateRecords).toBe(0)
    // Beyond the allowed lateness the row is dropped.
    const tooLate = await drive(query('LEFT', ", 'job.late_records' = 'update', 'job.allowed_lateness' = '5m'"), steps)
    expect(tooLate.out).toEqual([[], [[1n, 1n, 1]], [], []])
    expect(tooLate.pipeline.lateRecords).toBe(2)

    await expect(
      plan(query('LEFT', ", 'job.late_records' = 'dead_letter'"), { schemas: { orders: ORDERS, payments: PAYMENTS } }),
    ).rejects.toThrow(/hands late rows of the join to the bad-record policy, but job.bad_records is not 'dead_letter'/)
  })

  it('keeps the matched flags and the buffers through a checkpoint', async () => {
    const sql = query('FULL')
    const first = await drive(sql, [
      [
        'orders',
        [
          [1n, 0n],
          [2n, 0n],
        ],
      ],
      ['payments', [[1n, 5n * M, 1]]],
    ])
    expect(first.out).toEqual([[], [[1n, 1n, 1]]])
    const restored = await pipelineOf(sql)
    restored.restore(JSON.parse(JSON.stringify(first.pipeline.snapshot())))
    expect((restored.operators[0] as unknown as IntervalJoinOperator).size).toBe(3)
    const after = await drive(sql, [['payments', [[7n, 60n * M, 7]]]], restored)
    // Order 1 matched before the checkpoint: freed without padding. Order 2 did not: padded.
    expect(after.out).toEqual([[[2n, null, null]]])
    expect(after.end()).toEqual([[null, 7n, 7]])
  })

  it('gives the output of an uninterrupted run when a FULL join crashes and resumes', async () => {
    const orders: Row[] = Array.from({ length: 40 }, (_, i) => [BigInt(i % 13), BigInt(i) * M])
    const payments: Row[] = Array.from({ length: 40 }, (_, i) => [BigInt((i * 7) % 17), BigInt(i) * M + 3n * M, i])
    const sql = `CREATE STREAM out AS ${query(
      'FULL',
      ", 'out.uri' = 'memory://out', 'orders.batch_size' = '3', 'payments.batch_size' = '4', 'payments.watermark.delay' = '2m'",
    )}`
    const reference = setup()
    reference.store.set('orders', orders, ORDERS)
    reference.store.set('payments', payments, PAYMENTS)
    await runApplication(sql, { registry: reference.registry, cwd: mkdtempSync(join(tmpdir(), 'ferris-oij-')) })
    const expected = sorted(reference.store.rows('out'))
    expect(expected.some((r) => r[0] === null)).toBe(true)
    expect(expected.some((r) => r[1] === null)).toBe(true)

    const { store, registry } = setup()
    const o = store.set('orders', orders, ORDERS)
    store.set('payments', payments, PAYMENTS)
    const dir = mkdtempSync(join(tmpdir(), 'ferris-oij-'))
    for (const at of [9, 21, 33]) {
      o.beforeRead = (pos) => {
        if (pos === at) throw new Error('simulated crash')
      }
      await expect(runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })).rejects.toThrow(/crash/)
    }
    delete o.beforeRead
    await runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })
    expect(sorted(store.rows('out'))).toEqual(expected)
  })
})
