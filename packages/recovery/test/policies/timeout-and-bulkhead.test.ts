import type { FerrisError } from '@ferris/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Bulkhead } from '../../src/policies/bulkhead-policy.js'
import { TimeoutPolicy } from '../../src/policies/timeout-policy.js'

describe('[recovery] TimeoutPolicy', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('fails a hanging call with FERRIS_TIMEOUT and aborts its signal', async () => {
    let seen: AbortSignal | undefined
    const timeouts: number[] = []
    const policy = new TimeoutPolicy('out', 5_000, { hooks: { onTimeout: (e) => timeouts.push(e.timeoutMs) } })
    const settled = policy
      .execute((signal) => {
        seen = signal
        return new Promise<never>(() => {})
      })
      .catch((e: unknown) => e as FerrisError)
    await vi.advanceTimersByTimeAsync(4_999)
    expect(seen?.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    const error = await settled
    expect(error.code).toBe('FERRIS_TIMEOUT')
    expect(error.retryable).toBe(true)
    expect(error.message).toBe('out did not answer within 5000 ms')
    expect(seen?.aborted).toBe(true)
    expect(timeouts).toEqual([5_000])
  })

  it('returns the result of a call that finishes in time', async () => {
    const policy = new TimeoutPolicy('out', 5_000)
    const p = policy.execute(() => new Promise((resolve) => setTimeout(() => resolve('done'), 4_000)))
    await vi.advanceTimersByTimeAsync(4_000)
    expect(await p).toBe('done')
  })

  it('refuses a timeout of zero', () => {
    expect(() => new TimeoutPolicy('out', 0)).toThrow(/out.timeout must be more than 0 ms/)
  })
})

describe('[recovery] Bulkhead', () => {
  it('runs at most `limit` calls, queues `queue` more and rejects the rest with FERRIS_THROTTLED', async () => {
    const bulkhead = new Bulkhead('out', 2, 1)
    const releases: Array<() => void> = []
    let running = 0
    let peak = 0
    const call = () =>
      new Promise<void>((resolve) => {
        running++
        peak = Math.max(peak, running)
        releases.push(() => {
          running--
          resolve()
        })
      })
    const a = bulkhead.execute(call)
    const b = bulkhead.execute(call)
    const c = bulkhead.execute(call)
    const rejected = (await bulkhead.execute(call).catch((e: unknown) => e)) as FerrisError
    expect(rejected.code).toBe('FERRIS_THROTTLED')
    expect(rejected.retryable).toBe(true)
    expect(bulkhead.executionSlots).toBe(0)
    expect(bulkhead.queueSlots).toBe(0)
    releases.shift()?.()
    await a
    await new Promise((r) => setImmediate(r))
    releases.shift()?.()
    releases.shift()?.()
    await Promise.all([b, c])
    expect(peak).toBe(2)
  })
})
