import { batchOf, FerrisError, Schema, T } from '@ferris/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { combineHooks, healthHooks } from '../../src/health/health-hooks.js'
import { HealthRegistry } from '../../src/health/health-registry.js'
import { EndpointResilience } from '../../src/policies/endpoint-resilience.js'
import type { BreakerState } from '../../src/policies/recovery-hooks.js'
import { MemorySink } from '../helpers/memory-sink.js'

const schema = Schema.of(['id', T.int64])

describe('[recovery] EndpointResilience', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('carries a job through a sink stopped for a minute without losing or repeating a record', async () => {
    const sink = new MemorySink()
    await sink.open()
    const writer = await sink.createWriter()
    const health = new HealthRegistry()
    const states: BreakerState[] = []
    const resilience = new EndpointResilience(
      'out',
      {
        retry: {
          maxAttempts: 1_000,
          backoff: 'exponential',
          initialDelay: 100,
          maxDelay: 5_000,
          jitter: 'none',
          deadline: 300_000,
        },
        breaker: { failureThreshold: 3, cooldown: 10_000 },
        timeout: 2_000,
      },
      { hooks: combineHooks(healthHooks(health, 'sink'), { onBreakerStateChange: (e) => states.push(e.state) }) },
    )

    // The job: 20 batches of 50 rows, each written then committed under the endpoint's policies.
    const job = (async () => {
      for (let b = 0; b < 20; b++) {
        const rows = Array.from({ length: 50 }, (_, i) => [BigInt(b * 50 + i)])
        await resilience.execute(() => writer.write(batchOf(schema, rows)))
        await resilience.execute(() => writer.commit({ checkpointId: b, positions: { in: b } }))
        await new Promise((r) => setTimeout(r, 1_000))
      }
    })()

    await vi.advanceTimersByTimeAsync(5_500)
    sink.down = true
    const downAt = Date.now()
    await vi.advanceTimersByTimeAsync(30_000)
    expect(resilience.breakerState).toBe('open')
    expect(health.snapshot().status).toBe('degraded')
    const callsWhileDown = sink.writeCalls
    await vi.advanceTimersByTimeAsync(30_000)
    // While open the breaker lets one trial through per cool-down instead of hammering the sink.
    expect(sink.writeCalls - callsWhileDown).toBeLessThanOrEqual(4)
    sink.down = false
    expect(Date.now() - downAt).toBe(60_000)
    await vi.runAllTimersAsync()
    await job

    const ids = sink.committed.map((r) => r[0])
    expect(ids).toEqual(Array.from({ length: 1_000 }, (_, i) => BigInt(i)))
    expect(resilience.breakerState).toBe('closed')
    expect(health.snapshot().status).toBe('healthy')
    expect(states[0]).toBe('open')
    expect(states.at(-1)).toBe('closed')
  })

  it('times out a hanging attempt, counts it for the breaker and retries it', async () => {
    let calls = 0
    const resilience = new EndpointResilience('out', {
      retry: { maxAttempts: 3, backoff: 'fixed', initialDelay: 10, maxDelay: 10, jitter: 'none', deadline: 0 },
      breaker: { failureThreshold: 5, cooldown: 1_000 },
      timeout: 100,
    })
    const p = resilience
      .execute(() => {
        calls++
        return calls < 3 ? new Promise<never>(() => {}) : Promise.resolve('done')
      })
      .catch((e: unknown) => e)
    await vi.runAllTimersAsync()
    expect(await p).toBe('done')
    expect(calls).toBe(3)
    expect(Date.now()).toBe(220)
  })

  it('fails at once on a poisoned write and leaves the breaker closed', async () => {
    const sink = new MemorySink()
    const writer = await sink.createWriter()
    sink.poison = new FerrisError('FERRIS_SCHEMA_MISMATCH', 'column id is not a number')
    const resilience = new EndpointResilience('out', {
      retry: { maxAttempts: 5, backoff: 'fixed', initialDelay: 10, maxDelay: 10, jitter: 'none', deadline: 0 },
      breaker: { failureThreshold: 1, cooldown: 1_000 },
      timeout: 0,
    })
    const error = (await resilience
      .execute(() => writer.write(batchOf(schema, [[1n]])))
      .catch((e: unknown) => e)) as FerrisError
    expect(error.code).toBe('FERRIS_SCHEMA_MISMATCH')
    expect(sink.writeCalls).toBe(1)
    expect(resilience.breakerState).toBe('closed')
  })
})
