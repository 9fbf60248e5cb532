import { type BadRecord, Decimal, FerrisError, Interval } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { DeadLetterQueue } from '../../src/dead-letter/dead-letter-queue.js'
import { DEAD_LETTER_SCHEMA } from '../../src/dead-letter/dead-letter-schema.js'
import { MemorySink } from '../helpers/memory-sink.js'

const malformed = (line: number): BadRecord => ({
  error: new FerrisError('FERRIS_RECORD_MALFORMED', `line ${line}: unterminated quote`),
  origin: 'orders',
  raw: `1,"broken,${line}`,
  position: { file: 'orders.csv', line, byte: 9_007_199_254_740_993n },
})

async function openQueue(options: { batchSize?: number; maxPending?: number } = {}) {
  const sink = new MemorySink()
  const queue = new DeadLetterQueue({ sink, jobId: 'job-1', now: () => 1_700_000_000_000_000_000n, ...options })
  await queue.open()

  return { sink, queue }
}

describe('[recovery] DeadLetterQueue', () => {
  it('opens the sink, validates the dead-letter schema and writes rows in its column order', async () => {
    const { sink, queue } = await openQueue()
    expect(sink.opened).toBe(true)
    expect(sink.validated).toBe(DEAD_LETTER_SCHEMA)
    queue.add(malformed(42))
    await queue.commit({ checkpointId: 1, positions: { orders: { line: 43 } } })
    expect(sink.committed).toEqual([
      [
        'FERRIS_RECORD_MALFORMED',
        'line 42: unterminated quote',
        'orders',
        '{"file":"orders.csv","line":42,"byte":"9007199254740993"}',
        '1,"broken,42',
        'utf8',
        null,
        1,
        1_700_000_000_000_000_000n,
      ],
    ])
    expect(sink.commits).toEqual([{ checkpointId: 1, positions: { orders: { line: 43 } } }])
    expect(queue.committed).toBe(1)
    expect(queue.pending).toBe(0)
  })

  it('keeps binary input as base64 and values with exact encodings', async () => {
    const { sink, queue } = await openQueue()
    queue.add({
      error: new FerrisError('FERRIS_TYPE_CONVERSION', 'amount does not fit DECIMAL(5, 2)'),
      origin: 'out',
      meta: { raw: new Uint8Array([0, 255, 16]) },
      values: {
        id: 9_007_199_254_740_993n,
        amount: Decimal.parse('123456.789'),
        tags: ['a', null],
        attrs: new Map<string, number>([['k', 1]]),
        blob: new Uint8Array([1, 2]),
        wait: new Interval(1, 2, 0n),
        ratio: Number.NaN,
      },
      attempts: 3,
    })
    await queue.flush()
    const row = sink.pending[0]!
    expect(row[4]).toBe('AP8Q')
    expect(row[5]).toBe('base64')
    expect(JSON.parse(row[6] as string)).toEqual({
      id: '9007199254740993',
      amount: '123456.789',
      tags: ['a', null],
      attrs: [['k', 1]],
      blob: 'AQI=',
      wait: 'P1M2D',
      ratio: 'NaN',
    })
    expect(row[7]).toBe(3)
    expect(sink.committed).toEqual([])
  })

  it('writes full batches in the background and the rest on flush', async () => {
    const { sink, queue } = await openQueue({ batchSize: 2 })
    for (let i = 0; i < 5; i++) queue.add(malformed(i))
    await new Promise((r) => setImmediate(r))
    expect(sink.writeCalls).toBe(2)
    expect(sink.pending).toHaveLength(4)
    expect(queue.pending).toBe(5)
    await queue.flush()
    expect(sink.writeCalls).toBe(3)
    await queue.commit({ checkpointId: 1, positions: {} })
    expect(sink.committed.map((r) => (JSON.parse(r[3] as string) as { line: number }).line)).toEqual([0, 1, 2, 3, 4])
    expect(queue.committed).toBe(5)
  })

  it('reports a failed background write at the next call instead of dropping the rows', async () => {
    const { sink, queue } = await openQueue({ batchSize: 1 })
    sink.down = true
    queue.add(malformed(1))
    await new Promise((r) => setImmediate(r))
    expect(() => queue.add(malformed(2))).toThrow(/connection refused/)
    await expect(queue.flush()).rejects.toThrow(/connection refused/)
    await queue.rollback()
    sink.down = false
    queue.add(malformed(3))
    await queue.commit({ checkpointId: 2, positions: {} })
    expect(sink.committed).toHaveLength(1)
  })

  it('refuses more than maxPending records waiting for a slow sink', async () => {
    const { queue } = await openQueue({ batchSize: 2, maxPending: 4 })
    for (let i = 0; i < 4; i++) queue.add(malformed(i))
    let error: FerrisError | undefined
    try {
      queue.add(malformed(5))
    } catch (e) {
      error = e as FerrisError
    }
    expect(error?.code).toBe('FERRIS_THROTTLED')
    expect(error?.message).toContain('4 bad records are waiting')
  })

  it('drops uncommitted rows on rollback and refuses use before open or after close', async () => {
    const { sink, queue } = await openQueue()
    queue.add(malformed(1))
    await queue.flush()
    await queue.rollback()
    await queue.commit({ checkpointId: 1, positions: {} })
    expect(sink.committed).toEqual([])
    await queue.close()
    await queue.close()
    expect(sink.closed).toBe(true)
    expect(() => queue.add(malformed(2))).toThrow(/closed/)
    const unopened = new DeadLetterQueue({ sink: new MemorySink(), jobId: 'j' })
    expect(() => unopened.add(malformed(1))).toThrow(/before open\(\)/)
  })
})

describe('DeadLetterQueue.open on a sink that never opens', () => {
  // Node's recursive mkdir under /proc never settles: the job must fail instead of hanging.
  class HangingSink extends MemorySink {
    override open(): Promise<void> {
      return new Promise(() => undefined)
    }
  }

  it('fails with "Cannot write dead letters to" after openTimeout, without the URI credentials', async () => {
    const queue = new DeadLetterQueue({
      sink: new HangingSink(),
      jobId: 'j',
      target: 'kafka://user:secret@localhost:9092/dlq',
      openTimeout: 20,
    })
    const error = await queue.open().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FerrisError)
    expect((error as FerrisError).code).toBe('FERRIS_TIMEOUT')
    expect((error as FerrisError).message).toMatch(/^Cannot write dead letters to kafka:\/\/localhost:9092\/dlq: /)
    expect((error as FerrisError).message).not.toContain('secret')
  })

  it('ends at once when the job stops while opening', async () => {
    const controller = new AbortController()
    const queue = new DeadLetterQueue({ sink: new HangingSink(), jobId: 'j', target: 'file:/proc/x', openTimeout: 0 })
    const opening = queue.open(controller.signal).catch((e: unknown) => e)
    controller.abort()
    const error = await opening
    expect((error as FerrisError).code).toBe('FERRIS_CANCELLED')
    expect((error as FerrisError).message).toContain('Cannot write dead letters to file:/proc/x')
  })

  it('wraps an open failure with the target', async () => {
    class FailingSink extends MemorySink {
      override async open(): Promise<void> {
        throw new FerrisError('FERRIS_NOT_FOUND', 'Cannot write /proc/nope: its directory does not exist')
      }
    }
    const error = await new DeadLetterQueue({ sink: new FailingSink(), jobId: 'j', target: 'file:/proc/nope/d.jsonl' })
      .open()
      .catch((e: unknown) => e)
    expect((error as FerrisError).code).toBe('FERRIS_NOT_FOUND')
    expect((error as FerrisError).message).toContain('Cannot write dead letters to file:/proc/nope/d.jsonl')
  })
})
