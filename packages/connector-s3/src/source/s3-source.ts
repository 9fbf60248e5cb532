import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import {
  type ConnectorContext,
  type DataReader,
  type DataSource,
  FerrisError,
  type ReaderOptions,
  type Schema,
  type SourceCapabilities,
} from '@ferris/core'
import { decompress, formatOf, readParquetSchema } from '@ferris/formats'
import { createS3Client, type S3Api } from '../client.js'
import { type ObjectSet, objectSet } from '../object-set.js'
import type { S3Options } from '../options.js'
import { S3Env } from '../s3-env.js'
import { listObjects } from './list-objects.js'
import { objectBytes } from './object-bytes.js'
import { S3Input } from './s3-input.js'
import { S3Reader } from './s3-reader.js'

/**
 * S3 objects as a source: one object, a prefix or a glob, read once (bounded) or watched for new objects.
 * Positions are per-object byte offsets (row indexes for Parquet), see `S3Position`.
 */
export class S3Source implements DataSource {
  readonly capabilities: SourceCapabilities
  readonly #env: S3Env
  readonly #ownClient: boolean
  readonly #set: ObjectSet

  /** `client` replaces the SDK client built from the options (tests pass a double). */
  constructor(options: S3Options, context: ConnectorContext, client?: S3Api) {
    this.#set = objectSet(options.bucket, options.path, context.name)
    this.#ownClient = client === undefined
    this.#env = new S3Env(client ?? createS3Client(options, context.name), this.#set.bucket, options, context)
    this.capabilities = { bounded: !options.watch, seek: true, commit: false, schemaDiscovery: true, timestamps: false }
  }

  async open(): Promise<void> {
    const env = this.#env
    // A one-key listing rather than HEAD: its error answers have a body naming the problem (a HEAD 403 cannot
    // tell a wrong secret from a missing permission), and listing is a permission the connector needs anyway.
    await env.call('list', undefined, (abortSignal) =>
      env.client.send(
        new ListObjectsV2Command({
          Bucket: env.bucket,
          Prefix: this.#set.kind === 'key' ? this.#set.key : this.#set.prefix,
          MaxKeys: 1,
        }),
        { abortSignal },
      ),
    )
    if (env.options.watch) return
    const objects = await listObjects(env, this.#set)
    if (objects.length === 0) {
      const name = env.context.name
      throw new FerrisError(
        'FERRIS_NOT_FOUND',
        `No object matches ${env.uri(this.#set.kind === 'key' ? this.#set.key : this.#set.prefix)}${this.#set.kind === 'glob' ? ` (pattern ${env.options.path})` : ''} for source "${name}"`,
        {
          subject: `${name}.path`,
          value: env.options.path,
          hint: `Check the key, prefix or pattern (keys starting with "." or "_" are skipped), or set '${name}.watch' = 'true' to wait for objects`,
        },
      )
    }
    // Fail early on a format that cannot be told from the key.
    formatOf(env.options, objects[0]!.key, env.context.name)
  }

  async discoverSchema(): Promise<Schema | undefined> {
    const env = this.#env
    for (const o of await listObjects(env, this.#set)) {
      const format = formatOf(env.options, o.key, env.context.name)
      if (format.lookup.stream === undefined) {
        const input = new S3Input(env, o.key, o.etag)
        try {
          return await readParquetSchema(input)
        } finally {
          await input.close()
        }
      }
      const content = decompress(
        objectBytes(env, { key: o.key, start: 0, size: o.size }),
        format.compression,
        env.uri(o.key),
      )
      try {
        const schema = await format.lookup.stream.inferSchema(content, {
          ...format.streamOptions,
          sampleSize: env.options.sample_size,
        })
        if (schema !== undefined && schema.length > 0) return schema
      } finally {
        await content.return(undefined)
      }
    }

    return undefined
  }

  async createReader(options: ReaderOptions): Promise<DataReader> {
    return new S3Reader(this.#env, this.#set, options)
  }

  async close(): Promise<void> {
    if (this.#ownClient) this.#env.client.destroy?.()
  }
}
