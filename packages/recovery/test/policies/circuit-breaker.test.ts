import { FerrisError, type FerrisError as FerrisErrorType } from '@ferris/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CircuitBreaker } from '../../src/policies/circuit-breaker.js'
import type { BreakerState } from '../../src/policies/recovery-hooks.js'

/** A connector double: a call that fails while `down` is set. */
function connectorDouble() {
  const double = {
    down: true,
    calls: 0,
    call: async () => {
      double.calls++
      if (double.down) throw new FerrisError('FERRIS_CONNECTION_FAILED', 'refused')
      return 'ok'
    },
  }
  return double
}

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (v) => v,
    (e: unknown) => e,
  )
}

describe('[recovery] CircuitBreaker', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('goes closed → open → half-open → open → half-open → closed, failing fast while open', async () => {
    const states: BreakerState[] = []
    const gauges: Array<[string, number]> = []
    const metrics = { count: () => {}, gauge: (n: string, v: number) => gauges.push([n, v]), observe: () => {} }
    const breaker = new CircuitBreaker(
      'out',
      { failureThreshold: 3, cooldown: 10_000 },
      { metrics, hooks: { onBreakerStateChange: (e) => states.push(e.state) } },
    )
    const sink = connectorDouble()

    // closed: failures pass through until the threshold
    for (let i = 0; i < 3; i++)
      expect(((await outcome(breaker.execute(sink.call))) as FerrisError).code).toBe('FERRIS_CONNECTION_FAILED')
    expect(breaker.state).toBe('open')
    expect(sink.calls).toBe(3)

    // open: fails at once without calling the system
    const fast = (await outcome(breaker.execute(sink.call))) as FerrisErrorType
    expect(fast.code).toBe('FERRIS_CIRCUIT_OPEN')
    expect(fast.retryable).toBe(true)
    expect(fast.context.retryAfterMs).toBe(10_000)
    expect(fast.message).toContain('last: FERRIS_CONNECTION_FAILED: refused')
    expect(sink.calls).toBe(3)

    // still open just before the cool-down ends
    vi.advanceTimersByTime(9_999)
    expect(((await outcome(breaker.execute(sink.call))) as FerrisError).context.retryAfterMs).toBe(1)
    expect(sink.calls).toBe(3)

    // half-open: one trial call; it fails, so the circuit opens again
    vi.advanceTimersByTime(1)
    expect(((await outcome(breaker.execute(sink.call))) as FerrisError).code).toBe('FERRIS_CONNECTION_FAILED')
    expect(sink.calls).toBe(4)
    expect(breaker.state).toBe('open')
    expect(((await outcome(breaker.execute(sink.call))) as FerrisError).code).toBe('FERRIS_CIRCUIT_OPEN')

    // the system is back: the next trial closes the circuit
    sink.down = false
    vi.advanceTimersByTime(10_000)
    expect(await breaker.execute(sink.call)).toBe('ok')
    expect(breaker.state).toBe('closed')
    expect(await breaker.execute(sink.call)).toBe('ok')
    expect(sink.calls).toBe(6)

    expect(states).toEqual(['open', 'half_open', 'open', 'half_open', 'closed'])
    expect(gauges.map(([, v]) => v)).toEqual([0, 1, 2, 1, 2, 0])
  })

  it('resets the failure count on a success while closed', async () => {
    const breaker = new CircuitBreaker('out', { failureThreshold: 2, cooldown: 1_000 })
    const sink = connectorDouble()
    await outcome(breaker.execute(sink.call))
    sink.down = false
    await breaker.execute(sink.call)
    sink.down = true
    await outcome(breaker.execute(sink.call))
    expect(breaker.state).toBe('closed')
    await outcome(breaker.execute(sink.call))
    expect(breaker.state).toBe('open')
  })

  it('does not count errors that say nothing about the system being down', async () => {
    const breaker = new CircuitBreaker('out', { failureThreshold: 1, cooldown: 1_000 })
    const bad = new FerrisError('FERRIS_SCHEMA_MISMATCH', 'no such column')
    for (let i = 0; i < 5; i++) {
      expect(
        await outcome(
          breaker.execute(() => {
            throw bad
          }),
        ),
      ).toBe(bad)
    }
    expect(breaker.state).toBe('closed')
  })

  it('refuses a threshold below one', () => {
    expect(() => new CircuitBreaker('out', { failureThreshold: 0, cooldown: 1 })).toThrow(
      /out.breaker.failure_threshold/,
    )
  })
})
