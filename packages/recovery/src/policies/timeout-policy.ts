import { FerrisError } from '@ferris/core'
import { TimeoutStrategy, timeout } from 'cockatiel'
import { type PolicyEnvironment, RECOVERY_METRICS } from './recovery-hooks.js'

/**
 * Bounds a call that can hang (a socket that never answers). The call gets an AbortSignal that fires at
 * the timeout; the caller is not kept waiting even if the call ignores it (cockatiel's aggressive
 * strategy), and the failure is FERRIS_TIMEOUT, which is retryable.
 */
export class TimeoutPolicy {
  readonly subject: string
  readonly timeoutMs: number
  readonly #env: PolicyEnvironment

  constructor(subject: string, timeoutMs: number, env: PolicyEnvironment = {}) {
    if (!(timeoutMs > 0)) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `${subject}.timeout must be more than 0 ms, got ${timeoutMs}`, {
        subject: `${subject}.timeout`,
        value: timeoutMs,
        expected: 'a duration such as 500ms, 30s or 5m',
      })
    }
    this.subject = subject
    this.timeoutMs = timeoutMs
    this.#env = env
  }

  async execute<T>(fn: (signal: AbortSignal) => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    const policy = timeout(this.timeoutMs, TimeoutStrategy.Aggressive)
    try {
      return await policy.execute((context) => fn(context.signal), signal)
    } catch (error) {
      if (isTaskCancelledError(error) && signal?.aborted !== true) {
        this.#env.metrics?.count(RECOVERY_METRICS.timeouts, 1, { endpoint: this.subject })
        this.#env.hooks?.onTimeout?.({ subject: this.subject, timeoutMs: this.timeoutMs })
        throw new FerrisError('FERRIS_TIMEOUT', `${this.subject} did not answer within ${this.timeoutMs} ms`, {
          subject: this.subject,
          value: this.timeoutMs,
          hint: `Raise '${this.subject}.timeout' if the system is slow rather than down`,
        })
      }
      if (isTaskCancelledError(error)) {
        throw new FerrisError('FERRIS_CANCELLED', `${this.subject}: the call was cancelled because the job stopped`, {
          subject: this.subject,
        })
      }
      throw error
    }
  }
}

/**
 * cockatiel 3.2.1's own `isTaskCancelledError` tests for the bulkhead's marker property and never matches a
 * timeout, so the marker is checked here directly.
 */
function isTaskCancelledError(error: unknown): boolean {
  return error instanceof Error && 'isTaskCancelledError' in error
}
