import { batchOf, type DataReader, type DataWriter, FerrisError, type ReadResult, Schema, T } from '@ferris/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EndpointResilience } from '../../src/policies/endpoint-resilience.js'
import { resilientReader, resilientWriter } from '../../src/policies/resilient-connectors.js'
import { MemorySink } from '../helpers/memory-sink.js'

const schema = Schema.of(['id', T.int64])
const options = {
  retry: {
    maxAttempts: 10,
    backoff: 'fixed' as const,
    initialDelay: 1_000,
    maxDelay: 1_000,
    jitter: 'none' as const,
    deadline: 0,
  },
  breaker: { failureThreshold: 0, cooldown: 1 },
  timeout: 0,
}

describe('[recovery] resilientWriter / resilientReader', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('retries a writer while its sink is down and commits every row once it is back', async () => {
    const sink = new MemorySink()
    const writer = resilientWriter(await sink.createWriter(), new EndpointResilience('out', options))
    sink.down = true
    const done = (async () => {
      await writer.write(batchOf(schema, [[1n], [2n]]))
      await writer.commit({ checkpointId: 1, positions: {} })
    })()
    await vi.advanceTimersByTimeAsync(2_500)
    expect(sink.writeCalls).toBe(3)
    sink.down = false
    await vi.runAllTimersAsync()
    await done
    expect(sink.committed).toEqual([[1n], [2n]])
    expect(writer.committedPositions).toBeUndefined()
    expect(writer.committedCheckpoint).toBeUndefined()
  })

  it('passes the committed positions and checkpoint of a sink that stores them through its policies', async () => {
    const info = { checkpointId: 7, positions: { in: 42 } }
    const inner: DataWriter = {
      write: async () => {},
      flush: async () => {},
      commit: async () => {},
      rollback: async () => {},
      close: async () => {},
      committedPositions: async () => info.positions,
      committedCheckpoint: async () => info,
    }
    const writer = resilientWriter(inner, new EndpointResilience('out', options))
    expect(await writer.committedPositions!()).toEqual({ in: 42 })
    expect(await writer.committedCheckpoint!()).toEqual(info)
  })

  it('retries a read that failed without moving the reader', async () => {
    let failures = 2
    let position = 0
    const inner: DataReader = {
      read: async (): Promise<ReadResult> => {
        if (failures-- > 0) throw new FerrisError('FERRIS_CONNECTION_FAILED', 'broker not available')
        position++
        return { kind: 'batch', batch: batchOf(schema, [[BigInt(position)]]), position }
      },
      commit: async () => {},
      seek: async () => {},
      hasMore: () => true,
      close: async () => {},
    }
    const reader = resilientReader(inner, new EndpointResilience('in', options))
    const p = reader.read()
    await vi.runAllTimersAsync()
    const result = await p
    expect(result.kind === 'batch' && result.batch.rows).toEqual([[1n]])
    expect(result.position).toBe(1)
    expect(reader.hasMore()).toBe(true)
  })
})

describe('[recovery] resilientReader and caughtUp', () => {
  it('passes caughtUp through when the reader has it, and leaves it out when it does not', () => {
    let caught = false
    const base: DataReader = {
      read: async () => ({ kind: 'idle', position: null }),
      commit: async () => {},
      seek: async () => {},
      hasMore: () => true,
      close: async () => {},
    }
    const wrapped = resilientReader({ ...base, caughtUp: () => caught }, new EndpointResilience('in', options))
    expect(wrapped.caughtUp?.()).toBe(false)
    caught = true
    expect(wrapped.caughtUp?.()).toBe(true)
    expect(resilientReader(base, new EndpointResilience('in', options)).caughtUp).toBeUndefined()
  })
})
