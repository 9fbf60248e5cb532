import { ChangeKind, type Row, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { Pipeline, type PipelineBatch } from '../../src/execution/operators.js'
import type { WindowedAggregateOperator } from '../../src/execution/windowed-aggregate-operator.js'
import { plan } from '../../src/planner/planner.js'

const READINGS = Schema.of(['station', T.string], ['ts', T.timestamp('ms')], ['temp', T.int32], ['ms', T.int64])
const S = 1_000_000_000n
const at = (seconds: number) => BigInt(seconds) * S
const r = (station: string, seconds: number, temp: number): Row => [station, at(seconds), temp, BigInt(seconds) * 1000n]

async function pipeline(sql: string, errors: unknown[] = []) {
  const planned = await plan(sql, { schemas: { readings: READINGS } })
  const p = new Pipeline(planned.jobs[0]!.root, { queryStartNanos: 0n, timeZone: 'UTC' }, (e) => {
    errors.push(e)
  })
  const op = p.operators.find((o) => 'lateRecords' in o) as unknown as WindowedAggregateOperator
  return { p, op }
}

/** Rows of every batch, with the change kind first; times in seconds for readability. */
function show(batches: PipelineBatch[]): unknown[][] {
  return batches.flatMap((b) =>
    b.rows.map((row, i) => [
      b.kinds?.[i] === ChangeKind.UPDATE_AFTER ? 'U' : 'I',
      ...row.map((v) => (typeof v === 'bigint' && v % S === 0n && v !== 0n ? `${v / S}s` : v)),
    ]),
  )
}
const batch = (rows: Row[]) => ({ schema: READINGS, rows })

const TUMBLING = `SELECT station, window_start, window_end, COUNT(*) AS n, SUM(temp) AS total FROM readings
  GROUP BY station WINDOW TUMBLING(ts, INTERVAL '1' MINUTE) WITH ('readings.uri' = 'memory://r')`

describe('WINDOW TUMBLING', () => {
  it('puts a record on a boundary in the window that starts there, and records before 1970 below zero', async () => {
    const { p } = await pipeline(TUMBLING)
    const out = [p.process(batch([r('a', -1, 1), r('a', 0, 2), r('a', 59, 3), r('a', 60, 4), r('a', -60, 5)]))]
    out.push(...p.finish())
    expect(show(out)).toEqual([
      ['I', 'a', '-60s', 0n, 2n, 6n],
      ['I', 'a', 0n, '60s', 2n, 5n],
      ['I', 'a', '60s', '120s', 1n, 4n],
    ])
  })

  it('emits a window when the watermark passes its end, and nothing for empty windows', async () => {
    const { p } = await pipeline(TUMBLING)
    expect(show([p.process(batch([r('a', 10, 1), r('b', 20, 2)]))])).toEqual([])
    // 200 s: the windows [0, 60) close; [60, 120) and [120, 180) were empty and never appear
    expect(show([p.process(batch([r('a', 200, 3)]))])).toEqual([
      ['I', 'a', 0n, '60s', 1n, 1n],
      ['I', 'b', 0n, '60s', 1n, 2n],
    ])
    expect(show(p.finish())).toEqual([['I', 'a', '180s', '240s', 1n, 3n]])
  })

  it('holds the watermark at the slowest partition, so interleaved partitions of a backfill are not late', async () => {
    const { p, op } = await pipeline(TUMBLING)
    const part = (partition: number, rows: Row[]) => ({ schema: READINGS, rows, meta: rows.map(() => ({ partition })) })
    // Partition 0 is read far ahead of partition 1, as a consumer fetching one partition at a time would; the
    // source says both hold unread records (DataReader.pendingSplits), so 1 holds the watermark until it delivers.
    p.expectSplits([0, 1])
    const out = [p.process(part(0, [r('a', 10, 1), r('a', 70, 2), r('a', 130, 3)]))]
    out.push(p.process(part(1, [r('b', 20, 4), r('b', 80, 5)])))
    out.push(p.process(part(1, [r('b', 140, 6)])))
    out.push(...p.finish())
    expect(op.lateRecords).toBe(0)
    expect(show(out)).toEqual([
      ['I', 'a', 0n, '60s', 1n, 1n],
      ['I', 'b', 0n, '60s', 1n, 4n],
      ['I', 'a', '60s', '120s', 1n, 2n],
      ['I', 'b', '60s', '120s', 1n, 5n],
      ['I', 'a', '120s', '180s', 1n, 3n],
      ['I', 'b', '120s', '180s', 1n, 6n],
    ])
  })

  it('keeps out-of-order records within the watermark delay', async () => {
    const { p, op } = await pipeline(`${TUMBLING.slice(0, -1)}, 'readings.watermark.delay' = '30s')`)
    p.process(batch([r('a', 70, 1)]))
    expect(op.watermark).toBe(at(40))
    p.process(batch([r('a', 50, 2)]))
    expect(op.lateRecords).toBe(0)
    expect(show(p.finish())).toEqual([
      ['I', 'a', 0n, '60s', 1n, 2n],
      ['I', 'a', '60s', '120s', 1n, 1n],
    ])
  })

  it('drops and counts late records by default', async () => {
    const { p, op } = await pipeline(TUMBLING)
    p.process(batch([r('a', 10, 1)]))
    expect(show([p.process(batch([r('a', 70, 2)]))])).toEqual([['I', 'a', 0n, '60s', 1n, 1n]])
    expect(show([p.process(batch([r('a', 20, 3)]))])).toEqual([])
    expect(op.lateRecords).toBe(1)
    expect(show(p.finish())).toEqual([['I', 'a', '60s', '120s', 1n, 2n]])
  })

  it("updates a closed window within job.allowed_lateness with job.late_records = 'update'", async () => {
    const { p, op } = await pipeline(
      `${TUMBLING.slice(0, -1)}, 'job.late_records' = 'update', 'job.allowed_lateness' = '1m')`,
    )
    p.process(batch([r('a', 10, 1)]))
    p.process(batch([r('a', 70, 2)]))
    expect(show([p.process(batch([r('a', 20, 3)]))])).toEqual([['U', 'a', 0n, '60s', 2n, 4n]])
    // watermark 130 s: [0, 60) is past its lateness and freed, so this one is dropped
    p.process(batch([r('a', 130, 4)]))
    expect(show([p.process(batch([r('a', 30, 5)]))])).toEqual([])
    expect(op.lateRecords).toBe(1)
  })

  it("hands late records to the bad-record policy with job.late_records = 'dead_letter'", async () => {
    const errors: unknown[] = []
    await expect(pipeline(`${TUMBLING.slice(0, -1)}, 'job.late_records' = 'dead_letter')`)).rejects.toThrow(
      /job.late_records = 'dead_letter' hands late records to the bad-record policy, but job.bad_records is not/,
    )
    const { p } = await pipeline(
      `${TUMBLING.slice(0, -1)}, 'job.late_records' = 'dead_letter', 'job.bad_records' = 'dead_letter', 'job.dlq.uri' = 'memory://late')`,
      errors,
    )
    p.process(batch([r('a', 70, 2)]))
    p.process(batch([r('a', 20, 3)]))
    expect(errors).toHaveLength(1)
    expect(String(errors[0])).toMatch(
      /Late record: its event time 1970-01-01T00:00:20.000000000Z is behind the watermark/,
    )
  })

  it('reads an integer column as epoch milliseconds and the record timestamp without a column', async () => {
    const { p } = await pipeline(
      `SELECT window_start, COUNT(*) AS n FROM readings WINDOW TUMBLING(ms, 1m) WITH ('readings.uri' = 'memory://r')`,
    )
    expect(show([p.process(batch([r('a', 59, 1), r('b', 61, 2)])), ...p.finish()])).toEqual([
      ['I', 0n, 1n],
      ['I', '60s', 1n],
    ])
    const meta = await pipeline(
      `SELECT window_start, COUNT(*) AS n FROM readings WINDOW TUMBLING(5m) WITH ('readings.uri' = 'memory://r')`,
    )
    const first = meta.p.process({
      ...batch([r('a', 0, 1), r('a', 0, 1)]),
      meta: [{ timestamp: at(299) }, { timestamp: at(300) }],
    })
    expect(show([first, ...meta.p.finish()])).toEqual([
      ['I', 0n, 1n],
      ['I', '300s', 1n],
    ])
  })

  it('emits each changed window after every batch with EMIT CHANGES', async () => {
    const { p } = await pipeline(TUMBLING.replace('WITH', 'EMIT CHANGES WITH'))
    expect(show([p.process(batch([r('a', 10, 1), r('a', 20, 2)]))])).toEqual([['U', 'a', 0n, '60s', 2n, 3n]])
    expect(show([p.process(batch([r('a', 30, 3), r('a', 70, 4)]))])).toEqual([
      ['U', 'a', 0n, '60s', 3n, 6n],
      ['U', 'a', '60s', '120s', 1n, 4n],
    ])
    expect(show(p.finish())).toEqual([])
  })

  it('gives the same output after a checkpoint and a restore as without one', async () => {
    const input = Array.from({ length: 40 }, (_, i) => r(i % 3 === 0 ? 'a' : 'b', (i * 37) % 400, i))
    const whole = await pipeline(TUMBLING.replace("'memory://r'", "'memory://r', 'readings.watermark.delay' = '2m'"))
    const expected = show([whole.p.process(batch(input.slice(0, 20))), whole.p.process(batch(input.slice(20)))])
    expected.push(...show(whole.p.finish()))
    const first = await pipeline(TUMBLING.replace("'memory://r'", "'memory://r', 'readings.watermark.delay' = '2m'"))
    const got = show([first.p.process(batch(input.slice(0, 20)))])
    const state = JSON.parse(JSON.stringify(first.p.snapshot()))
    const second = await pipeline(TUMBLING.replace("'memory://r'", "'memory://r', 'readings.watermark.delay' = '2m'"))
    second.p.restore(state)
    got.push(...show([second.p.process(batch(input.slice(20)))]), ...show(second.p.finish()))
    expect(got).toEqual(expected)
    expect(expected.length).toBeGreaterThan(5)
  })

  it('moves the watermark to the wall clock after job.idle_timeout without records', async () => {
    const { p } = await pipeline(`${TUMBLING.slice(0, -1)}, 'job.idle_timeout' = '10s')`)
    p.process(batch([r('a', 10, 1)]))
    const now = BigInt(Date.now()) * 1_000_000n
    expect(show(p.idle(now))).toEqual([])
    expect(show(p.idle(now + at(11)))).toEqual([['I', 'a', 0n, '60s', 1n, 1n]])
  })
})

describe('WINDOW SLIDING and SESSION', () => {
  it('puts a record in every hopping window that holds it', async () => {
    const { p } = await pipeline(
      `SELECT window_start, window_end, COUNT(*) AS n FROM readings WINDOW SLIDING(ts, 2m, 1m) WITH ('readings.uri' = 'memory://r')`,
    )
    expect(show([p.process(batch([r('a', 90, 1), r('a', 120, 1), r('a', -30, 1)])), ...p.finish()])).toEqual([
      ['I', '-120s', 0n, 1n],
      ['I', '-60s', '60s', 1n],
      ['I', 0n, '120s', 1n],
      ['I', '60s', '180s', 2n],
      ['I', '120s', '240s', 1n],
    ])
  })

  it('merges sessions per key when a record bridges them, and splits at exactly the gap', async () => {
    const { p } = await pipeline(
      `SELECT station, window_start, window_end, COUNT(*) AS n, SUM(temp) AS total FROM readings
       GROUP BY station WINDOW SESSION(ts, 30s) WITH ('readings.uri' = 'memory://r', 'readings.watermark.delay' = '1h')`,
    )
    p.process(batch([r('a', 0, 1), r('a', 20, 2), r('b', 25, 10), r('a', 100, 3), r('a', 60, 4), r('a', 50, 9)]))
    p.process(batch([r('a', 75, 5)]))
    expect(show(p.finish())).toEqual([
      ['I', 'a', 0n, '50s', 2n, 3n],
      ['I', 'b', '25s', '55s', 1n, 10n],
      ['I', 'a', '50s', '130s', 4n, 21n],
    ])
  })

  it('deletes, under EMIT CHANGES, the row of each session a merge replaced whose window_start is not the merged one', async () => {
    // Rows are keyed by window_start: the merged session upserts the row of the session starting where it does,
    // and every other replaced session that went out gets a DELETE of its own row.
    const { p } = await pipeline(
      `SELECT station, window_start, window_end, COUNT(*) AS n FROM readings
       GROUP BY station WINDOW SESSION(ts, 30s) EMIT CHANGES
       WITH ('readings.uri' = 'memory://r', 'readings.watermark.delay' = '1h')`,
    )
    const kind = ['I', 'B', 'U', 'D']
    const changes = (b: PipelineBatch) =>
      b.rows.map((row, i) => [kind[b.kinds![i]!], row[0], Number(row[1]) / 1e9, Number(row[2]) / 1e9, row[3]])
    expect(changes(p.process(batch([r('a', 0, 1)])))).toEqual([['U', 'a', 0, 30, 1n]])
    expect(changes(p.process(batch([r('a', 50, 1), r('a', 100, 1)])))).toEqual([
      ['U', 'a', 50, 80, 1n],
      ['U', 'a', 100, 130, 1n],
    ])
    expect(changes(p.process(batch([r('a', 25, 1)])))).toEqual([
      ['U', 'a', 0, 80, 3n],
      ['D', 'a', 50, 80, 1n],
    ])
    // A record earlier than every session it merges: the merged session starts at a new key, so all go.
    expect(changes(p.process(batch([r('a', -20, 1), r('a', 75, 1)])))).toEqual([
      ['D', 'a', 0, 80, 3n],
      ['U', 'a', -20, 130, 6n], // by window end, then start
      ['D', 'a', 100, 130, 1n],
    ])
    // Sessions born and merged within one batch were never shown: nothing to delete.
    expect(changes(p.process(batch([r('b', 0, 1), r('b', 50, 1), r('b', 25, 1)])))).toEqual([['U', 'b', 0, 80, 3n]])
  })

  it('rejects a window on a column that is no time, a month interval and an advance longer than the window', async () => {
    await expect(
      pipeline(`SELECT COUNT(*) FROM readings WINDOW TUMBLING(station, 1m) WITH ('readings.uri' = 'memory://r')`),
    ).rejects.toThrow(
      /event time of a window must be a TIMESTAMP or an integer of epoch milliseconds, but station is STRING/,
    )
    await expect(
      pipeline(
        `SELECT COUNT(*) FROM readings WINDOW TUMBLING(ts, INTERVAL '1' MONTH) WITH ('readings.uri' = 'memory://r')`,
      ),
    ).rejects.toThrow(/must be a fixed duration/)
    await expect(
      pipeline(`SELECT COUNT(*) FROM readings WINDOW SLIDING(ts, 1m, 2m) WITH ('readings.uri' = 'memory://r')`),
    ).rejects.toThrow(/advance of a sliding window is longer than the window/)
  })
})
