import { type BreakerOptions, CircuitBreaker } from './circuit-breaker.js'
import type { BreakerState, PolicyEnvironment } from './recovery-hooks.js'
import { type AttemptContext, type RetryOptions, RetryPolicy } from './retry-policy.js'
import { TimeoutPolicy } from './timeout-policy.js'

export interface ResilienceOptions {
  readonly retry: RetryOptions
  readonly breaker: BreakerOptions
  /** Milliseconds each attempt may take; 0 for no limit. */
  readonly timeout: number
}

/**
 * Everything one source or sink's calls go through: retry (outermost) ▸ circuit breaker ▸ timeout
 * (innermost, per attempt). A timed-out attempt counts as a failure for the breaker; an open breaker makes
 * the retry loop wait until its next trial (`retryAfterMs`) without touching the dead system and without
 * spending an attempt, so a sink that is down for a minute holds the job back but loses nothing, as long as
 * the retry budget (one attempt per cool-down while the circuit is open) outlasts the outage.
 *
 * One instance per endpoint, shared by all its calls, so that the breaker sees every failure.
 */
export class EndpointResilience {
  readonly subject: string
  readonly retry: RetryPolicy
  readonly breaker: CircuitBreaker | undefined
  readonly timeout: TimeoutPolicy | undefined

  constructor(subject: string, options: ResilienceOptions, env: PolicyEnvironment = {}) {
    this.subject = subject
    this.retry = new RetryPolicy(subject, options.retry, env)
    this.breaker = options.breaker.failureThreshold > 0 ? new CircuitBreaker(subject, options.breaker, env) : undefined
    this.timeout = options.timeout > 0 ? new TimeoutPolicy(subject, options.timeout, env) : undefined
  }

  get breakerState(): BreakerState {
    return this.breaker?.state ?? 'closed'
  }

  /** Runs `fn` under the endpoint's policies. `fn` receives the attempt number and a signal to honour. */
  execute<T>(
    fn: (context: AttemptContext) => Promise<T> | T,
    signal?: AbortSignal,
    waitSignal?: AbortSignal,
  ): Promise<T> {
    return this.retry.execute(
      (context) => {
        const timed = (s: AbortSignal) =>
          this.timeout === undefined
            ? fn({ attempt: context.attempt, signal: s })
            : this.timeout.execute((inner) => fn({ attempt: context.attempt, signal: inner }), s)

        return this.breaker === undefined ? timed(context.signal) : this.breaker.execute(timed, context.signal)
      },
      signal,
      waitSignal,
    )
  }
}
