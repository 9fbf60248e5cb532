import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import {
  type ConnectorContext,
  type DataSink,
  type DataWriter,
  FerrisError,
  type Schema,
  type SinkCapabilities,
  type WriterOptions,
} from '@ferris/core'
import { partitionIndexes } from '@ferris/formats'
import { createS3Client, type S3Api } from '../client.js'
import { bucketAndKey } from '../object-set.js'
import type { S3Options } from '../options.js'
import { S3Env } from '../s3-env.js'
import { S3Writer } from './s3-writer.js'
import { type SinkFormat, sinkFormat } from './sink-format.js'

const MIN_PART = 5 * 1024 * 1024
const MAX_PART = 5 * 1024 * 1024 * 1024

/**
 * S3 as a sink: objects under the prefix `path`, one or more per commit and partition, visible only once
 * complete. Idempotent: see `S3Writer` for how a restarted job neither loses nor duplicates objects.
 */
export class S3Sink implements DataSink {
  readonly capabilities: SinkCapabilities = {
    transactions: false,
    upsert: false,
    idempotent: true,
    storesPositions: false,
  }
  readonly #env: S3Env
  readonly #ownClient: boolean
  readonly #root: string
  readonly #format: SinkFormat

  /** `client` replaces the SDK client built from the options (tests pass a double). */
  constructor(options: S3Options, context: ConnectorContext, client?: S3Api) {
    const name = context.name
    if (options.part_size < MIN_PART || options.part_size > MAX_PART) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `${name}.part_size is ${options.part_size} bytes, outside what S3 accepts`,
        {
          subject: `${name}.part_size`,
          value: options.part_size,
          expected: 'from 5mb to 5gb',
          hint: `Set '${name}.part_size' = '8mb' (the default)`,
        },
      )
    }
    if (/[*?[{]/.test(options.path)) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `Sink "${name}" cannot write to the pattern ${options.path}`, {
        subject: `${name}.path`,
        value: options.path,
        hint: 'Give the sink a key prefix such as out/ (partition_by makes sub-prefixes)',
      })
    }
    this.#format = sinkFormat(options, name)
    const { bucket, key: path } = bucketAndKey(options.bucket, options.path, name)
    this.#root = path === '' || path.endsWith('/') ? path : `${path}/`
    this.#ownClient = client === undefined
    this.#env = new S3Env(client ?? createS3Client(options, name), bucket, options, context)
  }

  async open(): Promise<void> {
    const env = this.#env
    // A one-key listing rather than HEAD: its error answers have a body naming the problem (a HEAD 403 cannot
    // tell a wrong secret from a missing permission), and listing is a permission the connector needs anyway.
    await env.call('list', undefined, (abortSignal) =>
      env.client.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: this.#root, MaxKeys: 1 }), {
        abortSignal,
      }),
    )
  }

  async validateSchema(schema: Schema): Promise<void> {
    partitionIndexes(schema, this.#env.options.partition_by ?? [], this.#env.context.name)
  }

  async createWriter(options: WriterOptions): Promise<DataWriter> {
    await this.validateSchema(options.schema)

    return new S3Writer(this.#env, this.#root, options.schema, options.jobId, this.#format)
  }

  async close(): Promise<void> {
    if (this.#ownClient) this.#env.client.destroy?.()
  }
}
