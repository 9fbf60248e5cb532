import { FerrisError, isFerrisError } from '@ferris/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type RetryOptions, RetryPolicy } from '../../src/policies/retry-policy.js'

const base: RetryOptions = {
  maxAttempts: 4,
  backoff: 'fixed',
  initialDelay: 100,
  maxDelay: 1_000,
  jitter: 'none',
  deadline: 0,
}

const down = () => new FerrisError('FERRIS_CONNECTION_FAILED', 'connection refused')

/** A call that fails `failures` times with `error()`, then returns 'ok'; records when each attempt started. */
function failing(failures: number, error: () => unknown = down) {
  const startedAt: number[] = []
  const fn = async () => {
    startedAt.push(Date.now())
    if (startedAt.length <= failures) throw error()
    return 'ok'
  }
  return { fn, startedAt }
}

/** Runs `policy.execute(fn)` to completion while fake time advances. */
async function run<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const settled = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
  await vi.runAllTimersAsync()

  return settled
}

describe('[recovery] RetryPolicy', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 })
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.restoreAllMocks()
  })

  it('waits the same delay between attempts with fixed backoff', async () => {
    const { fn, startedAt } = failing(3)
    const result = await run(new RetryPolicy('out', base).execute(fn))
    expect(result.value).toBe('ok')
    expect(startedAt).toEqual([0, 100, 200, 300])
  })

  it('grows the delay by the initial delay each time with linear backoff, capped at the maximum', async () => {
    const { fn, startedAt } = failing(4)
    const policy = new RetryPolicy('out', { ...base, backoff: 'linear', maxAttempts: 5, maxDelay: 250 })
    await run(policy.execute(fn))
    // waits 100, 200, 250 (capped), 250
    expect(startedAt).toEqual([0, 100, 300, 550, 800])
  })

  it('doubles the delay with exponential backoff and no jitter, capped at the maximum', async () => {
    const { fn, startedAt } = failing(5)
    const policy = new RetryPolicy('out', { ...base, backoff: 'exponential', maxAttempts: 6, maxDelay: 500 })
    await run(policy.execute(fn))
    // waits 100, 200, 400, 500, 500
    expect(startedAt).toEqual([0, 100, 300, 700, 1200, 1700])
  })

  it('draws exponential waits below the exponential bound with full jitter', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const { fn, startedAt } = failing(3)
    const policy = new RetryPolicy('out', { ...base, backoff: 'exponential', jitter: 'full' })
    await run(policy.execute(fn))
    // half of 100, 200, 400
    expect(startedAt).toEqual([0, 50, 150, 350])
  })

  it('stops at once on an error that is not retryable and throws it unchanged', async () => {
    const poison = new FerrisError('FERRIS_SCHEMA_MISMATCH', 'column amount is missing')
    const { fn, startedAt } = failing(10, () => poison)
    const result = await run(new RetryPolicy('out', base).execute(fn))
    expect(result.error).toBe(poison)
    expect(startedAt).toEqual([0])
  })

  it('does not retry a plain Error, which no connector classified', async () => {
    const { fn, startedAt } = failing(10, () => new Error('ECONNRESET'))
    const result = await run(new RetryPolicy('out', base).execute(fn))
    expect((result.error as Error).message).toBe('ECONNRESET')
    expect(startedAt).toHaveLength(1)
  })

  it('retries an error marked retryable even when its code is not retryable by default', async () => {
    const { fn, startedAt } = failing(1, () => new FerrisError('FERRIS_INTERNAL', 'blip', { retryable: true }))
    const result = await run(new RetryPolicy('out', base).execute(fn))
    expect(result.value).toBe('ok')
    expect(startedAt).toHaveLength(2)
  })

  it('gives up after the maximum attempts with the same code, the attempt count and the cause', async () => {
    const { fn, startedAt } = failing(10)
    const giveUps: unknown[] = []
    const policy = new RetryPolicy('out', base, { hooks: { onGiveUp: (e) => giveUps.push(e) } })
    const result = await run(policy.execute(fn))
    expect(startedAt).toHaveLength(4)
    expect(isFerrisError(result.error)).toBe(true)
    const error = result.error as FerrisError
    expect(error.code).toBe('FERRIS_CONNECTION_FAILED')
    expect(error.retryable).toBe(true)
    expect(error.context.attempts).toBe(4)
    expect(error.message).toContain('gave up after 4 attempts')
    expect((error.cause as Error).message).toBe('connection refused')
    expect(giveUps).toEqual([expect.objectContaining({ subject: 'out', attempts: 4, reason: 'attempts_exhausted' })])
  })

  it('starts no retry after the deadline and shortens the last wait to end at it', async () => {
    const { fn, startedAt } = failing(100)
    const reasons: string[] = []
    const policy = new RetryPolicy(
      'out',
      { ...base, maxAttempts: 100, initialDelay: 400, maxDelay: 400, deadline: 1_000 },
      { hooks: { onGiveUp: (e) => reasons.push(e.reason) } },
    )
    const result = await run(policy.execute(fn))
    expect(startedAt).toEqual([0, 400, 800, 1000])
    expect((result.error as FerrisError).message).toContain('retry deadline passed')
    expect(reasons).toEqual(['deadline'])
  })

  it('stops waiting at once when the caller aborts, without another attempt', async () => {
    const controller = new AbortController()
    const { fn, startedAt } = failing(100)
    const policy = new RetryPolicy('out', { ...base, maxAttempts: 100, initialDelay: 30_000, maxDelay: 30_000 })
    const settled = policy.execute(fn, controller.signal).then(
      () => 'resolved',
      (e: unknown) => e,
    )
    await vi.advanceTimersByTimeAsync(40_000)
    expect(startedAt).toEqual([0, 30_000])
    controller.abort()
    const error = (await settled) as FerrisError
    expect(Date.now()).toBe(40_000)
    expect(error.code).toBe('FERRIS_CANCELLED')
    expect(error.message).toContain('gave up after 2 attempts (the job stopped)')
    expect(startedAt).toHaveLength(2)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('counts each retry and give-up in the metrics it is given', async () => {
    const counts: Array<[string, number | undefined, unknown]> = []
    const metrics = {
      count: (name: string, by?: number, labels?: unknown) => counts.push([name, by, labels]),
      gauge: () => {},
      observe: () => {},
    }
    const { fn } = failing(10)
    await run(new RetryPolicy('out', { ...base, maxAttempts: 3 }, { metrics }).execute(fn))
    expect(counts).toEqual([
      ['retries', 1, { endpoint: 'out' }],
      ['retries', 1, { endpoint: 'out' }],
      ['retry_give_ups', 1, { endpoint: 'out' }],
    ])
  })

  it('refuses a maximum of attempts below one', () => {
    expect(() => new RetryPolicy('out', { ...base, maxAttempts: 0 })).toThrow(/out.retry.max_attempts/)
  })
})

describe('RetryPolicy waitSignal', () => {
  it('cuts the wait between attempts short once the wait signal aborts, and still retries', async () => {
    const policy = new RetryPolicy('out', {
      maxAttempts: 3,
      backoff: 'fixed',
      initialDelay: 60_000,
      maxDelay: 60_000,
      jitter: 'none',
      deadline: 0,
    })
    const stop = new AbortController()
    let calls = 0
    const started = Date.now()
    const result = policy.execute(
      async () => {
        calls++
        if (calls === 1) setTimeout(() => stop.abort(), 10)
        if (calls < 3) throw new FerrisError('FERRIS_CONNECTION_FAILED', 'down', { retryable: true })
        return 'ok'
      },
      undefined,
      stop.signal,
    )
    await expect(result).resolves.toBe('ok')
    expect(calls).toBe(3)
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})
