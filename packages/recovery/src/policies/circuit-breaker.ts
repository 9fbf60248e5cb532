import { FerrisError, isFerrisError } from '@ferris/core'
import {
  CircuitState,
  type CircuitBreakerPolicy as CockatielBreaker,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
} from 'cockatiel'
import { isRetryable } from './is-retryable.js'
import { BREAKER_STATE_VALUE, type BreakerState, type PolicyEnvironment, RECOVERY_METRICS } from './recovery-hooks.js'

export interface BreakerOptions {
  /** Consecutive failures that open the circuit; 0 leaves the breaker out of `EndpointResilience`. */
  readonly failureThreshold: number
  /** Milliseconds the circuit stays open before one trial call is let through (half-open). */
  readonly cooldown: number
}

export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 5, cooldown: 30_000 }

const STATE_NAMES: Readonly<Record<CircuitState, BreakerState>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'open',
}

/**
 * A circuit breaker on cockatiel's: after `failureThreshold` consecutive failures of a system (retryable
 * errors: connection lost, timeouts, server errors) it opens, and calls fail at once with
 * FERRIS_CIRCUIT_OPEN instead of waiting on a dead system. After `cooldown` the next call is a trial:
 * success closes the circuit, failure opens it for another cool-down. Errors that say nothing about the
 * system's health (bad input, a schema mismatch) pass through without counting.
 */
export class CircuitBreaker {
  readonly subject: string
  readonly options: BreakerOptions
  readonly #breaker: CockatielBreaker
  #openedAt = 0

  constructor(subject: string, options: BreakerOptions, env: PolicyEnvironment = {}) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `${subject}.breaker.failure_threshold must be a whole number ≥ 1, got ${options.failureThreshold}`,
        {
          subject: `${subject}.breaker.failure_threshold`,
          value: options.failureThreshold,
          expected: 'an integer ≥ 1',
        },
      )
    }
    this.subject = subject
    this.options = options
    this.#breaker = circuitBreaker(
      handleWhen((error) => isRetryable(error)),
      { halfOpenAfter: options.cooldown, breaker: new ConsecutiveBreaker(options.failureThreshold) },
    )
    this.#breaker.onStateChange((state) => {
      const name = STATE_NAMES[state]
      if (name === 'open') this.#openedAt = this.#now()
      env.metrics?.gauge(RECOVERY_METRICS.breakerState, BREAKER_STATE_VALUE[name], { endpoint: subject })
      if (state === CircuitState.Open) env.metrics?.count(RECOVERY_METRICS.breakerOpened, 1, { endpoint: subject })
      env.hooks?.onBreakerStateChange?.({ subject, state: name })
    })
    env.metrics?.gauge(RECOVERY_METRICS.breakerState, 0, { endpoint: subject })
  }

  /** The state as of the last call. An open circuit whose cool-down ended turns half-open on the next call. */
  get state(): BreakerState {
    return STATE_NAMES[this.#breaker.state]
  }

  async execute<T>(fn: (signal: AbortSignal) => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    try {
      return await this.#breaker.execute((context) => fn(context.signal), signal)
    } catch (error) {
      if (isBrokenCircuitError(error)) throw this.#openError()
      throw error
    }
  }

  #openError(): FerrisError {
    const retryAfterMs = Math.max(0, this.#openedAt + this.options.cooldown - this.#now())
    const last = this.#breaker.lastFailure
    const lastError = last !== undefined && 'error' in last ? last.error : undefined
    const lastText = isFerrisError(lastError) ? `${lastError.code}: ${lastError.message}` : 'unknown'

    return new FerrisError(
      'FERRIS_CIRCUIT_OPEN',
      `${this.subject} is failing: the circuit opened after ${this.options.failureThreshold} consecutive failures (last: ${lastText}); next trial in ${retryAfterMs} ms`,
      {
        subject: this.subject,
        // The outage may pass: a retry loop around the breaker keeps trying at its own pace.
        retryable: true,
        retryAfterMs,
        ...(lastError === undefined ? {} : { cause: lastError }),
        hint: `Check that ${this.subject} is reachable; tune '${this.subject}.breaker.failure_threshold' and '${this.subject}.breaker.cooldown'`,
      },
    )
  }

  // cockatiel times the cool-down with Date.now, so this must too (an injected `now` would disagree).
  #now(): number {
    return Date.now()
  }
}
