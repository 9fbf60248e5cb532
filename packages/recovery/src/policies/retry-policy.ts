import { FerrisError, isFerrisError } from '@ferris/core'
import {
  ConstantBackoff,
  handleWhen,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
  retry,
} from 'cockatiel'
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
  // Above the breaker's default threshold of 5: see `retry.max_attempts` in config/recovery-options.ts.
  maxAttempts: 10,
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
 *
 * An attempt refused by an open circuit (FERRIS_CIRCUIT_OPEN with `retryAfterMs`) never reached the system:
 * the next attempt waits until the circuit lets a trial through (at least `retryAfterMs`, or the backoff when
 * longer), and the refusal does not count toward `maxAttempts`. Refusals have a budget of their own, the same
 * number of retries, so that callers racing for the trial cannot loop forever. When the trial would come after
 * the deadline, the loop gives up at once instead of waiting for an attempt it could not make.
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

  /**
   * `waitSignal` cuts the waits between attempts short without cancelling anything: once it aborts, the
   * remaining attempts (still within `maxAttempts`) follow each other at once, so a stopping job's final
   * flush and commit are still retried but never sleep through the stop.
   */
  async execute<T>(
    fn: (context: AttemptContext) => Promise<T> | T,
    signal?: AbortSignal,
    waitSignal?: AbortSignal,
  ): Promise<T> {
    const now = this.#env.now ?? (() => Date.now())
    const { metrics, hooks } = this.#env
    const labels = { endpoint: this.subject }
    const deadlineAt = this.options.deadline > 0 ? now() + this.options.deadline : Number.POSITIVE_INFINITY
    const maxAttempts = this.options.maxAttempts
    // Calls made; those of them an open circuit refused; the wait the last refusal asked for.
    let attempts = 0
    let refused = 0
    let circuitWait = 0
    let reason = 'attempts_exhausted' as GiveUpReason

    let lastError: unknown
    // A policy per call: cockatiel's filter has no per-call state, and the deadline is per call. Building
    // one costs a few objects, and calls are per batch, never per record.
    const filter = handleWhen((error) => {
      lastError = error
      circuitWait = 0
      if (signal?.aborted === true) {
        reason = 'aborted'
        return false
      }
      if (!isRetryable(error)) {
        reason = 'not_retryable'
        return false
      }
      const retryAfter = refusedFor(error)
      if (retryAfter !== undefined) {
        refused++
        if (refused > maxAttempts - 1) {
          reason = 'attempts_exhausted'
          return false
        }
        if (now() + retryAfter >= deadlineAt) {
          reason = 'deadline'
          return false
        }
        circuitWait = retryAfter
        return true
      }
      if (attempts - refused >= maxAttempts) {
        reason = 'attempts_exhausted'
        return false
      }
      if (now() >= deadlineAt) {
        reason = 'deadline'
        return false
      }

      return true
    })
    // cockatiel's retry loop waits with a timer that ignores the abort signal, so a stopping job would hang
    // for up to `max_delay`. The loop runs without waits here, and each attempt after the first first
    // sleeps for the delay of cockatiel's backoff, in a sleep that the signal ends at once. The filter
    // keeps the two budgets (attempts that reached the system, refusals); cockatiel's bound is their sum.
    const policy = retry(filter, { maxAttempts: 2 * (maxAttempts - 1), backoff: new ConstantBackoff(0) })
    const factory = clampToDeadline(
      createBackoff({ kind: this.options.backoff, ...this.options }),
      () => deadlineAt - now(),
    )
    let backoff: IBackoff<IRetryBackoffContext<unknown>> | undefined

    try {
      return await policy.execute(async (context) => {
        if (attempts > 0) {
          const backoffContext = { attempt: attempts, signal: context.signal, result: { error: lastError as Error } }
          backoff = backoff === undefined ? factory.next(backoffContext) : backoff.next(backoffContext)
          // Until the open circuit's trial: an attempt before it would be refused again.
          const delayMs = Math.max(backoff.duration, circuitWait)
          metrics?.count(RECOVERY_METRICS.retries, 1, labels)
          hooks?.onRetry?.({ subject: this.subject, attempt: attempts, delayMs, error: lastError })
          await sleep(delayMs, this.subject, signal, lastError, waitSignal)
        }
        attempts++

        return fn({ attempt: attempts, signal: context.signal })
      }, signal)
    } catch (error) {
      if (signal?.aborted === true && reason !== 'not_retryable') reason = 'aborted'
      metrics?.count(RECOVERY_METRICS.giveUps, 1, labels)
      hooks?.onGiveUp?.({ subject: this.subject, attempts, reason, error })
      throw attempts > 1 ? gaveUp(this.subject, attempts, refused, reason, error) : error
    }
  }
}

/** The wait an open circuit asked for, when `error` is its refusal (the call never reached the system). */
function refusedFor(error: unknown): number | undefined {
  if (!isFerrisError(error) || error.code !== 'FERRIS_CIRCUIT_OPEN') return undefined
  const ms = error.context.retryAfterMs

  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined
}

function gaveUp(subject: string, attempts: number, refused: number, reason: GiveUpReason, error: unknown): unknown {
  if (!isFerrisError(error)) return error
  const why =
    reason === 'deadline'
      ? refusedFor(error) === undefined
        ? 'the retry deadline passed'
        : "the open circuit's next trial comes after the retry deadline"
      : reason === 'aborted'
        ? 'the job stopped'
        : reason === 'not_retryable'
          ? 'the last error cannot pass by retrying'
          : 'no attempts were left'

  const counted =
    refused === 0 ? `${attempts} attempts` : `${attempts} attempts, ${refused} refused by the open circuit`

  return new FerrisError(error.code, `${subject}: gave up after ${counted} (${why}): ${error.message}`, {
    ...error.context,
    subject: error.context.subject ?? subject,
    attempts,
    ...(refused === 0 ? {} : { refused }),
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

/** Waits `ms`, or rejects with FERRIS_CANCELLED as soon as `signal` aborts, or resolves when `cut` aborts. */
function sleep(
  ms: number,
  subject: string,
  signal: AbortSignal | undefined,
  lastError: unknown,
  cut?: AbortSignal,
): Promise<void> {
  const cancelled = () =>
    new FerrisError('FERRIS_CANCELLED', `${subject}: stopped waiting to retry because the job stopped`, {
      subject,
      cause: lastError,
    })
  if (signal?.aborted === true) return Promise.reject(cancelled())
  if (ms <= 0 || cut?.aborted === true) return Promise.resolve()

  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      cut?.removeEventListener('abort', done)
      resolve()
    }
    const onAbort = () => {
      clearTimeout(timer)
      cut?.removeEventListener('abort', done)
      reject(cancelled())
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
    cut?.addEventListener('abort', done, { once: true })
  })
}
