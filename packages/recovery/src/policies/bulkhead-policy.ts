import { FerrisError } from '@ferris/core'
import { bulkhead, type BulkheadPolicy as CockatielBulkhead, isBulkheadRejectedError } from 'cockatiel'
import { type PolicyEnvironment, RECOVERY_METRICS } from './recovery-hooks.js'

/**
 * Limits how many calls run at once against one system, with a bounded queue behind them, so that a slow
 * system cannot pile up unbounded work. A call that finds both full fails with FERRIS_THROTTLED (retryable).
 */
export class Bulkhead {
  readonly subject: string
  readonly #bulkhead: CockatielBulkhead
  readonly #env: PolicyEnvironment
  readonly #limit: number
  readonly #queue: number

  constructor(subject: string, limit: number, queue = 0, env: PolicyEnvironment = {}) {
    if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(queue) || queue < 0) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `${subject}: a bulkhead needs limit ≥ 1 and queue ≥ 0`, {
        subject,
        value: { limit, queue },
        expected: 'whole numbers',
      })
    }
    this.subject = subject
    this.#limit = limit
    this.#queue = queue
    this.#env = env
    this.#bulkhead = bulkhead(limit, queue)
  }

  get executionSlots(): number {
    return this.#bulkhead.executionSlots
  }

  get queueSlots(): number {
    return this.#bulkhead.queueSlots
  }

  async execute<T>(fn: (signal: AbortSignal) => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    try {
      return await this.#bulkhead.execute((context) => fn(context.signal), signal)
    } catch (error) {
      if (!isBulkheadRejectedError(error)) throw error
      this.#env.metrics?.count(RECOVERY_METRICS.bulkheadRejected, 1, { endpoint: this.subject })
      this.#env.hooks?.onBulkheadRejected?.({ subject: this.subject })
      throw new FerrisError(
        'FERRIS_THROTTLED',
        `${this.subject} is busy: ${this.#limit} calls running and ${this.#queue} queued`,
        { subject: this.subject, hint: 'The call may be tried again once earlier calls finish' },
      )
    }
  }
}
