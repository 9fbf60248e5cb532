import { FerrisError, isFerrisError } from '@ferris/core'
import { handleWhen, type IBackoff, type IBackoffFactory, type IRetryBackoffContext, retry } from 'cockatiel'
import { type BackoffKind, createBackoff, type JitterKind } from './backoff.js'
import { isRetryable } from './is-retryable.js'
import { type GiveUpReason, type PolicyEnvironment, RECOVERY_METRICS } from './recovery-hooks.js'

export interface RetryOptions {
  /** Attempts in all, the first included: 1 means no retry. */
  readonly maxAttempts: number
  readonly backoff: BackoffKind
  /** Milliseconds before the first retry. */
  readonly initialDelay: number
  /** Longest single wait, milliseconds. */
  readonly maxDelay: number
  readonly jitter: JitterKind
  /** Milliseconds from the first attempt after which no retry starts; 0 for none. */
  readonly deadline: number
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 5,
  backoff: 'exponential',
  initialDelay: 200,
  maxDelay: 30_000,
  jitter: 'full',
  deadline: 0,
}

export interface AttemptContext {
  /** 1 for the first call. */
  readonly attempt: number
  /** Aborted when the caller's signal is, or a timeout fired. */
  readonly signal: AbortSignal
}

/**
 * Retries a call while its error is retryable (`FerrisError.retryable`), within a number of attempts and
 * a deadline, with the waits of `backoff`. Anything else stops at once and is thrown as it was. When it
 * gives up after more than one attempt, it throws a FerrisError with the same code and retryability whose
 * cause is the last error, saying how many attempts were made.
 */
export class RetryPolicy {
  readonly subject: string
  readonly options: RetryOptions
  readonly #env: PolicyEnvironment

  constructor(subject: string, options: RetryOptions, env: PolicyEnvironment = {}) {
    if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `${subject}.retry.max_attempts must be a whole number ≥ 1`, {
        subject: `${subject}.retry.max_attempts`,
        value: options.maxAttempts,
        expected: 'an integer of at least 1 (1 turns retries off)',
      })
    }
    this.subject = subject
    this.options = options
    this.#env = env
  }

  async execute<T>(fn: (context: AttemptContext) => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    const now = this.#env.now ?? (() => Date.now())
    const { metrics, hooks } = this.#env
    const labels = { endpoint: this.subject }
    const deadlineAt = this.options.deadline > 0 ? now() + this.options.deadline : Number.POSITIVE_INFINITY
    let attempts = 0
    let reason = 'attempts_exhausted' as GiveUpReason

    // A policy per call: cockatiel's filter has no per-call state, and the deadline is per call. Building
    // one costs a few objects, and calls are per batch, never per record.
    const filter = handleWhen((error) => {
      if (!isRetryable(error)) {
        reason = 'not_retryable'
        return false
      }
      if (now() >= deadlineAt) {
        reason = 'deadline'
        return false
      }
      if (signal?.aborted === true) {
        reason = 'aborted'
        return false
      }

      return true
    })
    const policy = retry(filter, {
      maxAttempts: this.options.maxAttempts - 1,
      backoff: clampToDeadline(
        createBackoff({ kind: this.options.backoff, ...this.options }),
        () => deadlineAt - now(),
      ),
    })
    policy.onRetry((event) => {
      metrics?.count(RECOVERY_METRICS.retries, 1, labels)
      hooks?.onRetry?.({
        subject: this.subject,
        attempt: event.attempt,
        delayMs: event.delay,
        error: 'error' in event ? event.error : undefined,
      })
    })

    try {
      return await policy.execute((context) => {
        attempts++

        return fn({ attempt: attempts, signal: context.signal })
      }, signal)
    } catch (error) {
      if (signal?.aborted === true && reason !== 'not_retryable') reason = 'aborted'
      metrics?.count(RECOVERY_METRICS.giveUps, 1, labels)
      hooks?.onGiveUp?.({ subject: this.subject, attempts, reason, error })
      throw attempts > 1 ? gaveUp(this.subject, attempts, reason, error) : error
    }
  }
}

function gaveUp(subject: string, attempts: number, reason: GiveUpReason, error: unknown): unknown {
  if (!isFerrisError(error)) return error
  const why =
    reason === 'deadline'
      ? 'the retry deadline passed'
      : reason === 'aborted'
        ? 'the job stopped'
        : reason === 'not_retryable'
          ? 'the last error cannot pass by retrying'
          : 'no attempts were left'

  return new FerrisError(error.code, `${subject}: gave up after ${attempts} attempts (${why}): ${error.message}`, {
    ...error.context,
    subject: error.context.subject ?? subject,
    attempts,
    retryable: error.retryable,
    cause: error,
    hint:
      error.context.hint ??
      `Raise '${subject}.retry.max_attempts' or '${subject}.retry.deadline' if the outage is expected to pass`,
  })
}

/** Shortens the wait before a retry so it ends at the deadline at the latest. */
function clampToDeadline(
  factory: IBackoffFactory<IRetryBackoffContext<unknown>>,
  remaining: () => number,
): IBackoffFactory<IRetryBackoffContext<unknown>> {
  const wrap = (backoff: IBackoff<IRetryBackoffContext<unknown>>): IBackoff<IRetryBackoffContext<unknown>> => ({
    duration: Math.max(0, Math.min(backoff.duration, remaining())),
    next: (context) => wrap(backoff.next(context)),
  })

  return { next: (context) => wrap(factory.next(context)) }
}
