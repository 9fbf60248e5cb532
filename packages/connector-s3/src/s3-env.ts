import type { ConnectorContext } from '@ferris/core'
import type { S3Api } from './client.js'
import type { S3Options } from './options.js'
import { withRetry } from './retry.js'

/** What every part of a source or sink needs: the client, the bucket, and retries that name the object. */
export class S3Env {
  readonly client: S3Api
  readonly bucket: string
  readonly options: S3Options
  readonly context: ConnectorContext

  constructor(client: S3Api, bucket: string, options: S3Options, context: ConnectorContext) {
    this.client = client
    this.bucket = bucket
    this.options = options
    this.context = context
  }

  /** Sends a request, retrying passing failures for `retry_timeout`; failures come out as FerrisErrors. */
  call<T>(action: string, key: string | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const op = { action, bucket: this.bucket, subject: this.context.name, ...(key === undefined ? {} : { key }) }

    return withRetry(op, { timeout: this.options.retry_timeout, context: this.context }, () => fn(this.context.signal))
  }

  /** `s3://bucket/key`, for messages and bad records. */
  uri(key: string): string {
    return `s3://${this.bucket}/${key}`
  }
}
