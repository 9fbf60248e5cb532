import { setTimeout as sleep } from 'node:timers/promises'
import {
  batchOf,
  type ConnectorContext,
  type DataReader,
  FerrisError,
  type Position,
  type ReaderOptions,
  type ReadResult,
  type Row,
} from '@ferris/core'
import {
  type DecodedChunk,
  decompress,
  type ParquetRowBatch,
  type RecordDecoder,
  readCsvHeader,
  readParquet,
} from '@ferris/formats'
import { type ObjectFormat, objectFormat } from '../format.js'
import type { ObjectSet } from '../object-set.js'
import type { S3Env } from '../s3-env.js'
import { listObjects, type ObjectInfo } from './list-objects.js'
import { objectBytes } from './object-bytes.js'
import { fromPosition, type ObjectProgress, toPosition } from './position.js'
import { S3Input } from './s3-input.js'

interface OpenParquet {
  readonly kind: 'parquet'
  readonly info: ObjectInfo
  readonly input: S3Input
  readonly batches: AsyncGenerator<ParquetRowBatch>
  pending: ParquetRowBatch | undefined
  row: number
  /** Bad rows of `pending` reported so far. */
  bad: number
}

interface OpenStream {
  readonly kind: 'stream'
  readonly info: ObjectInfo
  readonly format: ObjectFormat
  readonly decoder: RecordDecoder
  readonly etag: string | undefined
  readonly start: number
  chunks: AsyncGenerator<Uint8Array> | undefined
  pending: DecodedChunk | undefined
  row: number
  bad: number
  ended: boolean
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
  #current: OpenStream | OpenParquet | undefined
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
    const rows: Row[] = []
    for (;;) {
      while (rows.length < this.#batchSize) {
        const object = await this.#next()
        if (object === undefined) break
        await this.#take(object, rows)
      }
      if (rows.length > 0)
        return { kind: 'batch', batch: batchOf(this.#reader.schema, rows), position: this.position() }
      if (!this.#env.options.watch) {
        this.#finished = true
        return { kind: 'end', position: this.position() }
      }
      if (await this.#poll()) continue
      await sleep(this.#env.options.poll_interval, undefined, { signal: this.#context.signal }).catch(() => {})

      return { kind: 'idle', position: this.position() }
    }
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
    if (c === undefined) return
    if (c.kind === 'parquet') {
      await c.batches.return(undefined)
      await c.input.close()
    } else await c.chunks?.return(undefined)
  }

  async #next(): Promise<OpenStream | OpenParquet | undefined> {
    if (this.#current !== undefined) return this.#current
    this.#queue ??= (await listObjects(this.#env, this.#set)).filter((o) => this.#progress.get(o.key)?.done !== true)
    const info = this.#queue.shift()
    if (info === undefined) return undefined
    this.#current = await this.#open(info)

    return this.#current
  }

  async #open(info: ObjectInfo): Promise<OpenStream | OpenParquet> {
    const name = this.#context.name
    const format = objectFormat(this.#env.options, info.key, name)
    let from = this.#progress.get(info.key) ?? { offset: 0, line: 1, done: false }
    if (from.etag !== undefined && info.etag !== undefined && from.etag !== info.etag && from.offset > 0) {
      this.#context.logger.log(
        'warn',
        `${this.#env.uri(info.key)} was replaced since the position was taken; reading it from the start`,
        {
          object: this.#env.uri(info.key),
        },
      )
      from = { offset: 0, line: 1, done: false }
    }
    const stream = format.lookup.stream
    if (stream === undefined) {
      const input = new S3Input(this.#env, info.key, info.etag)
      const fromRow = from.unit === 'row' ? from.offset : 0
      const batches = readParquet(input, { schema: this.#reader.schema, batchSize: this.#batchSize, fromRow })

      return { kind: 'parquet', info, input, batches, pending: undefined, row: 0, bad: 0 }
    }
    let header: readonly string[] | undefined
    if (from.offset > 0 && stream.needsHeader(format.streamOptions)) {
      const content = decompress(
        objectBytes(this.#env, { key: info.key, start: 0, size: info.size }),
        format.compression,
        this.#env.uri(info.key),
      )
      try {
        header = await readCsvHeader(content, format.streamOptions)
      } finally {
        await content.return(undefined)
      }
    }
    const decoder = stream.createDecoder({
      ...format.streamOptions,
      ...(header === undefined ? {} : { header }),
      schema: this.#reader.schema,
      file: this.#env.uri(info.key),
      startOffset: from.offset,
      startLine: from.line,
    })

    return {
      kind: 'stream',
      info,
      format,
      decoder,
      etag: info.etag,
      start: from.offset,
      chunks: undefined,
      pending: undefined,
      row: 0,
      bad: 0,
      ended: false,
    }
  }

  #record(key: string, p: Omit<ObjectProgress, 'etag'>, etag: string | undefined): void {
    this.#progress.set(key, etag === undefined || p.done ? p : { ...p, etag })
  }

  async #takeParquet(o: OpenParquet, rows: Row[]): Promise<void> {
    const key = o.info.key
    while (rows.length < this.#batchSize) {
      const p = o.pending
      if (p === undefined || (o.row >= p.rows.length && o.bad >= p.bad.length)) {
        const next = await o.batches.next()
        if (next.done) {
          const end = p?.endRow ?? this.#progress.get(key)?.offset ?? 0
          this.#record(key, { offset: end, line: 1, done: true, unit: 'row' }, undefined)
          await o.input.close()
          this.#current = undefined
          return
        }
        o.pending = next.value
        o.row = 0
        o.bad = 0
        continue
      }
      // Rows that do not fit the schema are reported in file order and the position moves past each.
      while (o.bad < p.bad.length && p.bad[o.bad]!.index <= o.row) this.#reportBadRow(o, p, o.bad++)
      const upTo = o.bad < p.bad.length ? p.bad[o.bad]!.index : p.rows.length
      const n = Math.min(this.#batchSize - rows.length, upTo - o.row)
      if (n <= 0) continue
      for (let i = 0; i < n; i++) rows.push(p.rows[o.row + i]!)
      o.row += n
      // Row k of the batch is file row startRow + k + (bad rows before it), all of which are reported by now.
      this.#record(key, { offset: p.startRow + o.row + o.bad, line: 1, done: false, unit: 'row' }, o.info.etag)
    }
  }

  #reportBadRow(o: OpenParquet, p: ParquetRowBatch, i: number): void {
    const bad = p.bad[i]!
    this.#context.reportBadRecord({
      error: bad.error,
      values: bad.values,
      origin: this.#context.name,
      position: { object: this.#env.uri(o.info.key), key: o.info.key, row: bad.row },
    })
    this.#record(o.info.key, { offset: bad.row + 1, line: 1, done: false, unit: 'row' }, o.info.etag)
  }

  async #take(o: OpenStream | OpenParquet, rows: Row[]): Promise<void> {
    if (o.kind === 'parquet') return this.#takeParquet(o, rows)
    const key = o.info.key
    const max = this.#batchSize
    for (;;) {
      const p = o.pending
      if (p !== undefined) {
        let last = -1
        while (rows.length < max) {
          while (o.bad < p.bad.length && p.bad[o.bad]!.index <= o.row) {
            this.#reportBad(o, p, o.bad++)
            last = -1
          }
          if (o.row >= p.rows.length) break
          last = o.row++
          rows.push(p.rows[last]!)
        }
        if (last >= 0) this.#record(key, { offset: p.ends[last]!, line: p.endLines[last]!, done: false }, o.etag)
        if (rows.length >= max && (o.row < p.rows.length || o.bad < p.bad.length)) return
        o.pending = undefined
      }
      if (o.ended) {
        this.#record(key, { offset: o.decoder.offset, line: o.decoder.line, done: true }, undefined)
        this.#current = undefined
        return
      }
      if (rows.length >= max) return
      o.chunks ??= this.#input(o)
      const next = await o.chunks.next()
      if (!next.done) {
        this.#feed(o, o.decoder.push(next.value))
        continue
      }
      o.chunks = undefined
      o.ended = true
      this.#feed(o, o.decoder.end())
    }
  }

  #feed(o: OpenStream, chunk: DecodedChunk): void {
    o.pending = chunk
    o.row = 0
    o.bad = 0
  }

  /** The (decompressed) bytes from the object's start offset on. */
  #input(o: OpenStream): AsyncGenerator<Uint8Array> {
    const base = { key: o.info.key, size: o.info.size, ...(o.etag === undefined ? {} : { etag: o.etag }) }
    if (o.format.compression === 'none') return objectBytes(this.#env, { ...base, start: o.start })
    const uri = this.#env.uri(o.info.key)
    const skip = o.start
    const env = this.#env

    // Limitation: a compressed object cannot be entered in the middle, so resuming one decompresses it from
    // its start and drops the bytes before the stored offset.
    return (async function* () {
      let toSkip = skip
      for await (const chunk of decompress(objectBytes(env, { ...base, start: 0 }), o.format.compression, uri)) {
        if (toSkip >= chunk.length) {
          toSkip -= chunk.length
          continue
        }
        yield toSkip > 0 ? chunk.subarray(toSkip) : chunk
        toSkip = 0
      }
    })()
  }

  #reportBad(o: OpenStream, p: DecodedChunk, i: number): void {
    const bad = p.bad[i]!
    this.#context.reportBadRecord({
      error: bad.error,
      raw: bad.raw,
      origin: this.#context.name,
      position: { object: bad.file, key: o.info.key, line: bad.line, byte: bad.byte },
    })
    this.#record(o.info.key, { offset: bad.end, line: bad.endLine, done: false }, o.etag)
  }

  /** Watch mode, everything read: lists again and queues objects not read yet. True when there are some. */
  async #poll(): Promise<boolean> {
    const objects = await listObjects(this.#env, this.#set)
    this.#queue = objects.filter((o) => this.#progress.get(o.key)?.done !== true)

    return this.#queue.length > 0
  }
}
