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

  /** A system that fails its first `failures` calls with a retryable error; records when each call reached it. */
  function downFor(failures: number) {
    const calledAt: number[] = []
    const call = async () => {
      calledAt.push(Date.now())
      if (calledAt.length <= failures) throw new FerrisError('FERRIS_CONNECTION_FAILED', 'connection refused')
      return 'ok'
    }
    return { call, calledAt }
  }

  async function settle<T>(p: Promise<T>): Promise<T | FerrisError> {
    const settled = p.catch((e: unknown) => e as FerrisError)
    await vi.runAllTimersAsync()
    return settled
  }

  const retry = { maxAttempts: 5, backoff: 'exponential', initialDelay: 200, maxDelay: 30_000, jitter: 'none' } as const

  it("waits out an open circuit's cool-down without spending attempts on it, so a sink down past the threshold recovers", async () => {
    // The breaker refuses calls while open with FERRIS_CIRCUIT_OPEN and `retryAfterMs`; the retry loop waits
    // that long before its next attempt, and a refused attempt does not count toward max_attempts. Before, the
    // loop retried at its backoff pace (200 ms, 400 ms, ...) against the open circuit and gave up with
    // FERRIS_CIRCUIT_OPEN long before the cool-down ended.
    const system = downFor(4)
    const resilience = new EndpointResilience('out', {
      retry: { ...retry, deadline: 0 },
      breaker: { failureThreshold: 3, cooldown: 30_000 },
      timeout: 0,
    })
    expect(await settle(resilience.execute(system.call))).toBe('ok')
    // Three failures open the circuit at 600 ms; the attempt at 1 400 ms is refused without reaching the
    // system and waits for the trial at 30 600 ms, which fails and reopens the circuit; the attempt at
    // 33 800 ms is refused in turn and waits for the next trial, at 60 600 ms, which succeeds.
    expect(system.calledAt).toEqual([0, 200, 600, 30_600, 60_600])
    expect(resilience.breakerState).toBe('closed')
  })

  it('does not spend the attempts of a call that starts while the circuit is open', async () => {
    // A call refused at once never reached the system: it waits for the circuit's trial instead of failing.
    const system = downFor(2)
    const resilience = new EndpointResilience('out', {
      retry: { ...retry, maxAttempts: 2, deadline: 0 },
      breaker: { failureThreshold: 2, cooldown: 10_000 },
      timeout: 0,
    })
    const first = (await settle(resilience.execute(system.call))) as FerrisError
    expect(first.code).toBe('FERRIS_CONNECTION_FAILED')
    expect(resilience.breakerState).toBe('open')
    expect(await settle(resilience.execute(system.call))).toBe('ok')
    expect(system.calledAt).toEqual([0, 200, 10_200])
  })

  it("gives up at once when the open circuit's next trial comes after the retry deadline", async () => {
    const system = downFor(100)
    const resilience = new EndpointResilience('out', {
      retry: { ...retry, deadline: 10_000 },
      breaker: { failureThreshold: 3, cooldown: 30_000 },
      timeout: 0,
    })
    const error = (await settle(resilience.execute(system.call))) as FerrisError
    expect(error.code).toBe('FERRIS_CIRCUIT_OPEN')
    expect(error.message).toContain(
      "gave up after 4 attempts, 1 refused by the open circuit (the open circuit's next trial comes after the retry deadline)",
    )
    expect(error.context.refused).toBe(1)
    expect(Date.now()).toBe(1_400)
    expect(system.calledAt).toEqual([0, 200, 600])
  })

  it('stops waiting for an open circuit at once when the job stops', async () => {
    const system = downFor(100)
    const controller = new AbortController()
    const resilience = new EndpointResilience('out', {
      retry: { ...retry, deadline: 0 },
      breaker: { failureThreshold: 3, cooldown: 30_000 },
      timeout: 0,
    })
    const settled = resilience.execute(system.call, controller.signal).catch((e: unknown) => e as FerrisError)
    await vi.advanceTimersByTimeAsync(5_000)
    controller.abort()
    const error = await settled
    expect(error).toMatchObject({ code: 'FERRIS_CANCELLED' })
    expect(Date.now()).toBe(5_000)
    // Three calls reached the system; the refused fourth waited for the cool-down (30 s) until the abort.
    expect(system.calledAt).toHaveLength(3)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('gives up after max_attempts calls that reached the system, however many the circuit refused', async () => {
    const system = downFor(100)
    const resilience = new EndpointResilience('out', {
      retry: { ...retry, deadline: 0 },
      breaker: { failureThreshold: 3, cooldown: 30_000 },
      timeout: 0,
    })
    const error = (await settle(resilience.execute(system.call))) as FerrisError
    expect(error.code).toBe('FERRIS_CONNECTION_FAILED')
    expect(system.calledAt).toEqual([0, 200, 600, 30_600, 60_600])
    expect(error.context.attempts).toBe(7)
    expect(error.message).toContain('gave up after 7 attempts, 2 refused by the open circuit (no attempts were left)')
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
