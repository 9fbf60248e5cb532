import { setTimeout as sleep } from 'node:timers/promises'
import type { ConnectorContext } from '@ferris/core'
import { classifyError, type S3Operation } from './classify-error.js'

export interface RetryOptions {
  /** Give up after this long, in ms. */
  readonly timeout: number
  readonly context: ConnectorContext
}

/**
 * Runs `fn`, retrying errors that classify as retryable (connection refused, 5xx, SlowDown, timeouts) with
 * exponential backoff capped at 5 s, until `timeout` has passed or the job stops. This is what lets a job
 * ride out an S3 server restart: the job runner does not retry connector calls itself.
 */
export async function withRetry<T>(op: S3Operation, options: RetryOptions, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + options.timeout
  let delay = 100
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      const classified = classifyError(error, op)
      if (!classified.retryable || Date.now() + delay > deadline || options.context.signal.aborted) throw classified
      options.context.logger.log('warn', `${classified.message}; retrying in ${delay} ms (attempt ${attempt})`, {
        code: classified.code,
      })
      await sleep(delay, undefined, { signal: options.context.signal }).catch(() => {})
      delay = Math.min(delay * 2, 5000)
    }
  }
}
