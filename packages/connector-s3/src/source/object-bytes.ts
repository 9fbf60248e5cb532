import { setTimeout as sleep } from 'node:timers/promises'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { classifyError } from '../classify-error.js'
import type { S3Env } from '../s3-env.js'

/** Bytes per GET stream chunk handed on; the SDK's socket chunks are passed through as they come. */
interface ObjectBytesOptions {
  readonly key: string
  /** Raw byte offset to start at. */
  readonly start: number
  /** The object's size from the listing: nothing is requested at or past it. */
  readonly size: number
  /** When set, every GET carries `If-Match`, so a replaced object is noticed instead of being spliced. */
  readonly etag?: string
  /** Called with each chunk's length as it is yielded, so the caller knows its raw offset. */
  readonly onBytes?: (n: number) => void
}

/**
 * The bytes of an object from `start` to its end, by a streaming GET (`Range: bytes=<start>-`). When the
 * connection breaks mid-body (a server restart), it sends a new GET from the byte after the last one
 * yielded, retrying for `retry_timeout`, so the caller sees one unbroken byte sequence. Memory: one socket
 * chunk at a time.
 */
export async function* objectBytes(env: S3Env, options: ObjectBytesOptions): AsyncGenerator<Uint8Array> {
  let offset = options.start
  const deadlineAfterFailure = () => Date.now() + env.options.retry_timeout
  let deadline = Number.POSITIVE_INFINITY
  let delay = 100
  const op = { action: 'get', bucket: env.bucket, key: options.key, subject: env.context.name }
  while (offset < options.size) {
    let body: AsyncIterable<Uint8Array> & { destroy?: () => void }
    try {
      const res = await env.client.send(
        new GetObjectCommand({
          Bucket: env.bucket,
          Key: options.key,
          Range: `bytes=${offset}-`,
          ...(options.etag === undefined ? {} : { IfMatch: options.etag }),
        }),
        { abortSignal: env.context.signal },
      )
      body = res.Body
    } catch (error) {
      const e = classifyError(error, op)
      if (!e.retryable || env.context.signal.aborted) throw e
      if (deadline === Number.POSITIVE_INFINITY) deadline = deadlineAfterFailure()
      if (Date.now() + delay > deadline) throw e
      env.context.logger.log('warn', `${e.message}; retrying in ${delay} ms`, { code: e.code })
      await sleep(delay, undefined, { signal: env.context.signal }).catch(() => {})
      delay = Math.min(delay * 2, 5000)
      continue
    }
    try {
      for await (const chunk of body) {
        offset += chunk.length
        options.onBytes?.(chunk.length)
        deadline = Number.POSITIVE_INFINITY
        delay = 100
        yield chunk
      }
      return
    } catch (error) {
      const e = classifyError(error, op)
      if (!e.retryable || env.context.signal.aborted) throw e
      if (deadline === Number.POSITIVE_INFINITY) deadline = deadlineAfterFailure()
      if (Date.now() + delay > deadline) throw e
      env.context.logger.log('warn', `${e.message}; reading again from byte ${offset}`, { code: e.code })
      await sleep(delay, undefined, { signal: env.context.signal }).catch(() => {})
    } finally {
      body.destroy?.()
    }
  }
}
