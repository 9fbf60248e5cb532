import {
  type ConnectorContext,
  type DataReader,
  FerrisError,
  type Position,
  type ReaderOptions,
  type ReadResult,
  type Row,
} from '@ferris/core'
import {
  type FormatReader,
  formatOf,
  openFormatReader,
  type ReadProgress,
  type RowOrigins,
  readBatch,
} from '@ferris/formats'
import type { ObjectSet } from '../object-set.js'
import type { S3Env } from '../s3-env.js'
import { listObjects, type ObjectInfo } from './list-objects.js'
import { objectBytes } from './object-bytes.js'
import { fromPosition, type ObjectProgress, toPosition } from './position.js'
import { S3Input } from './s3-input.js'

/** One object being read, by its format reader. */
interface OpenObject {
  readonly info: ObjectInfo
  readonly reader: FormatReader
}

/**
 * Reads the objects of a set in key order, each from its stored offset. Bounded: every object once, then
 * `end`. With `watch`: lists again every `poll_interval` and reads objects that appeared since. Objects are
 * immutable in S3, so an object read to its end is done; one replaced later is not read again.
 */
export class S3Reader implements DataReader {
  readonly #env: S3Env
  readonly #set: ObjectSet
  readonly #context: ConnectorContext
  readonly #reader: ReaderOptions
  readonly #batchSize: number
  #progress = new Map<string, ObjectProgress>()
  #queue: ObjectInfo[] | undefined
  #current: OpenObject | undefined
  #finished = false
  #closed = false

  constructor(env: S3Env, set: ObjectSet, reader: ReaderOptions) {
    this.#env = env
    this.#set = set
    this.#context = env.context
    this.#reader = reader
    this.#batchSize = env.options.batch_size ?? reader.batchSize
    if (reader.from !== undefined) this.#progress = fromPosition(reader.from, env.context.name)
  }

  hasMore(): boolean {
    return !this.#finished
  }

  async read(): Promise<ReadResult> {
    if (this.#closed) throw new FerrisError('FERRIS_INTERNAL', `Reader of "${this.#context.name}" is closed`)
    const walk = {
      next: () => this.#next(),
      take: (input: OpenObject, rows: Row[], _max: number, origins: RowOrigins) => this.#take(input, rows, origins),
      poll: () => this.#poll(),
      position: () => this.position(),
    }
    const result = await readBatch(walk, {
      schema: this.#reader.schema,
      batchSize: this.#batchSize,
      watch: this.#env.options.watch === true,
      pollInterval: this.#env.options.poll_interval,
      signal: this.#context.signal,
    })
    if (result.kind === 'end') this.#finished = true

    return result
  }

  position(): Position {
    return toPosition(this.#progress)
  }

  async commit(_position: Position): Promise<void> {}

  async seek(position: Position): Promise<void> {
    await this.#closeCurrent()
    this.#progress = fromPosition(position, this.#context.name)
    this.#queue = undefined
    this.#finished = false
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#closeCurrent()
  }

  async #closeCurrent(): Promise<void> {
    const c = this.#current
    this.#current = undefined
    await c?.reader.close()
  }

  async #next(): Promise<OpenObject | undefined> {
    if (this.#current !== undefined) return this.#current
    this.#queue ??= (await listObjects(this.#env, this.#set)).filter((o) => this.#progress.get(o.key)?.done !== true)
    const info = this.#queue.shift()
    if (info === undefined) return undefined
    this.#current = await this.#open(info)

    return this.#current
  }

  async #open(info: ObjectInfo): Promise<OpenObject> {
    const context = this.#context
    const env = this.#env
    const uri = env.uri(info.key)
    const format = formatOf(env.options, info.key, context.name)
    let from = this.#progress.get(info.key) ?? { offset: 0, line: 1, done: false }
    if (from.etag !== undefined && info.etag !== undefined && from.etag !== info.etag && from.offset > 0) {
      context.logger.log('warn', `${uri} was replaced since the position was taken; reading it from the start`, {
        object: uri,
      })
      from = { offset: 0, line: 1, done: false }
    }
    const base = { key: info.key, size: info.size, ...(info.etag === undefined ? {} : { etag: info.etag }) }
    const origin = {
      name: uri,
      bytes: (start: number) => objectBytes(env, { ...base, start }),
      randomAccess: () => new S3Input(env, info.key, info.etag),
    }
    const reader = await openFormatReader(
      origin,
      format,
      from,
      { schema: this.#reader.schema, batchSize: this.#batchSize, followGrowth: false },
      {
        progress: (p: ReadProgress) => this.#record(info.key, p, info.etag),
        badRecord: (bad) =>
          context.reportBadRecord({
            error: bad.error,
            raw: bad.raw,
            origin: context.name,
            position: { object: bad.file, key: info.key, line: bad.line, byte: bad.byte },
          }),
        badRow: (bad) =>
          context.reportBadRecord({
            error: bad.error,
            values: bad.values,
            origin: context.name,
            position: { object: uri, key: info.key, row: bad.row },
          }),
      },
    )

    return { info, reader }
  }

  /** Objects are immutable: the etag is kept while reading (to see a replacement on resume), not once done. */
  #record(key: string, p: ReadProgress, etag: string | undefined): void {
    this.#progress.set(key, etag === undefined || p.done ? p : { ...p, etag })
  }

  async #take(o: OpenObject, rows: Row[], origins: RowOrigins): Promise<void> {
    if ((await o.reader.take(rows, this.#batchSize, origins)) !== 'full') this.#current = undefined
  }

  /** Watch mode, everything read: lists again and queues objects not read yet. True when there are some. */
  async #poll(): Promise<boolean> {
    const objects = await listObjects(this.#env, this.#set)
    this.#queue = objects.filter((o) => this.#progress.get(o.key)?.done !== true)

    return this.#queue.length > 0
  }
}
