import { stat } from 'node:fs/promises'
import { join } from 'node:path'
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
import { type FileFormat, fileFormat } from '../format-options.js'
import type { FileOptions } from '../options.js'
import { type FileSet, listFiles } from './file-set.js'
import { LocalFileInput } from './local-input.js'
import { type FileProgress, fromPosition, toPosition } from './position.js'
import { fileBytes, fileContent } from './read-bytes.js'

/** A Parquet file being read by row groups; positions count rows. */
interface OpenParquet {
  readonly kind: 'parquet'
  readonly rel: string
  readonly input: LocalFileInput
  readonly batches: AsyncGenerator<ParquetRowBatch>
  pending: ParquetRowBatch | undefined
  row: number
  /** Bad rows of `pending` reported so far. */
  bad: number
}

/** One file being read: its decoder, the bytes it was fed, and the decoded records not yet handed over. */
interface OpenFile {
  readonly kind: 'stream'
  readonly rel: string
  readonly abs: string
  readonly format: FileFormat
  readonly decoder: RecordDecoder
  /** Raw bytes read so far (uncompressed files): where to continue when the file grows. */
  fedTo: number
  /** Decompressed bytes to drop before decoding (resuming inside a compressed file). */
  skip: number
  ino: number
  chunks: AsyncGenerator<Uint8Array> | undefined
  pending: DecodedChunk | undefined
  row: number
  bad: number
  /** The decoder reached the end of the input and was ended: the file is done once `pending` is consumed. */
  ended: boolean
}

/**
 * Reads the files of a set in name order, each from its stored offset. Bounded: every file once, then `end`.
 * With `watch`: files are read to their current end, then checked every `poll_interval` for growth, for
 * replacement (a new inode or a smaller size: read again from the start, as `tail -F` does) and for new files.
 * A last line without a line break is left until it is completed (or the source stops).
 */
export class FileReader implements DataReader {
  readonly #set: FileSet
  readonly #options: FileOptions
  readonly #context: ConnectorContext
  readonly #reader: ReaderOptions
  readonly #batchSize: number
  #progress = new Map<string, FileProgress>()
  #queue: string[] | undefined
  #open = new Map<string, OpenFile | OpenParquet>()
  #current: OpenFile | OpenParquet | undefined
  #finished = false
  #closed = false

  constructor(set: FileSet, options: FileOptions, context: ConnectorContext, reader: ReaderOptions) {
    this.#set = set
    this.#options = options
    this.#context = context
    this.#reader = reader
    this.#batchSize = options.batch_size ?? reader.batchSize
    if (reader.from !== undefined) this.#progress = fromPosition(reader.from, context.name)
  }

  hasMore(): boolean {
    return !this.#finished
  }

  async read(): Promise<ReadResult> {
    if (this.#closed) throw new FerrisError('FERRIS_INTERNAL', `Reader of "${this.#context.name}" is closed`)
    const rows: Row[] = []
    for (;;) {
      while (rows.length < this.#batchSize) {
        const file = await this.#nextFile()
        if (file === undefined) break
        await this.#take(file, rows)
      }
      if (rows.length > 0)
        return { kind: 'batch', batch: batchOf(this.#reader.schema, rows), position: this.position() }
      if (!this.#options.watch) {
        this.#finished = true
        return { kind: 'end', position: this.position() }
      }
      if (await this.#poll()) continue
      await sleep(this.#options.poll_interval, undefined, { signal: this.#context.signal }).catch(() => {})

      return { kind: 'idle', position: this.position() }
    }
  }

  /** The position after everything handed over so far. */
  position(): Position {
    return toPosition(this.#progress)
  }

  async commit(_position: Position): Promise<void> {}

  async seek(position: Position): Promise<void> {
    await this.#closeFiles()
    this.#progress = fromPosition(position, this.#context.name)
    this.#queue = undefined
    this.#finished = false
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#closeFiles()
  }

  async #closeFiles(): Promise<void> {
    for (const f of this.#open.values()) {
      if (f.kind === 'parquet') {
        await f.batches.return(undefined)
        await f.input.close()
      } else await f.chunks?.return(undefined)
    }
    this.#open.clear()
    this.#current = undefined
  }

  /** The file to read from now: the current one while it has input, else the next in the queue. */
  async #nextFile(): Promise<OpenFile | OpenParquet | undefined> {
    if (this.#current !== undefined) return this.#current
    this.#queue ??= (await listFiles(this.#set)).filter((f) => this.#progress.get(f)?.done !== true)
    const rel = this.#queue.shift()
    if (rel === undefined) return undefined
    this.#current = this.#open.get(rel) ?? (await this.#openFile(rel))

    return this.#current
  }

  async #openFile(rel: string): Promise<OpenFile | OpenParquet> {
    const abs = join(this.#set.root, rel)
    const format = fileFormat(this.#options, rel, this.#context.name)
    const stream = format.lookup.stream
    const from = this.#progress.get(rel) ?? { offset: 0, line: 1, done: false }
    if (stream === undefined) {
      const input = new LocalFileInput(abs)
      const fromRow = from.unit === 'row' ? from.offset : 0
      const batches = readParquet(input, { schema: this.#reader.schema, batchSize: this.#batchSize, fromRow })
      const file: OpenParquet = { kind: 'parquet', rel, input, batches, pending: undefined, row: 0, bad: 0 }
      this.#open.set(rel, file)

      return file
    }
    let header: readonly string[] | undefined
    if (from.offset > 0 && stream.needsHeader(format.streamOptions)) {
      const content = fileContent(abs, format.compression)
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
      file: abs,
      startOffset: from.offset,
      startLine: from.line,
    })
    const info = await stat(abs).catch(() => undefined)
    const compressed = format.compression !== 'none'
    const file: OpenFile = {
      kind: 'stream',
      rel,
      abs,
      format,
      decoder,
      fedTo: compressed ? 0 : from.offset,
      skip: compressed ? from.offset : 0,
      ino: info?.ino ?? 0,
      chunks: undefined,
      pending: undefined,
      row: 0,
      bad: 0,
      ended: false,
    }
    this.#open.set(rel, file)

    return file
  }

  /**
   * Moves rows of a Parquet file into `rows`, reading the next row group when needed. Bad rows are reported in
   * file order between the good ones, and the position moves past each, so none is read or reported twice.
   */
  async #takeParquet(file: OpenParquet, rows: Row[]): Promise<void> {
    const max = this.#batchSize
    while (rows.length < max) {
      const p = file.pending
      if (p === undefined || (file.row >= p.rows.length && file.bad >= p.bad.length)) {
        const next = await file.batches.next()
        if (next.done) {
          const end = p?.endRow ?? this.#progress.get(file.rel)?.offset ?? 0
          this.#progress.set(file.rel, { offset: end, line: 1, done: true, unit: 'row' })
          await file.input.close()
          this.#open.delete(file.rel)
          this.#current = undefined
          return
        }
        file.pending = next.value
        file.row = 0
        file.bad = 0
        continue
      }
      while (file.bad < p.bad.length && p.bad[file.bad]!.index <= file.row) this.#reportBadRow(file, p, file.bad++)
      // Good rows up to the next bad one (or the batch's end): their file indexes follow each other.
      const upTo = file.bad < p.bad.length ? p.bad[file.bad]!.index : p.rows.length
      const n = Math.min(max - rows.length, upTo - file.row)
      if (n <= 0) continue
      for (let i = 0; i < n; i++) rows.push(p.rows[file.row + i]!)
      file.row += n
      // Row k of the batch is file row startRow + k + (bad rows before it), all of which are reported by now.
      this.#progress.set(file.rel, { offset: p.startRow + file.row + file.bad, line: 1, done: false, unit: 'row' })
    }
  }

  #reportBadRow(file: OpenParquet, p: ParquetRowBatch, i: number): void {
    const bad = p.bad[i]!
    this.#context.reportBadRecord({
      error: bad.error,
      values: bad.values,
      origin: this.#context.name,
      position: { file: file.input.name, row: bad.row },
    })
    this.#progress.set(file.rel, { offset: bad.row + 1, line: 1, done: false, unit: 'row' })
  }

  /** Moves decoded records of `file` into `rows`, decoding more input when needed. */
  async #take(file: OpenFile | OpenParquet, rows: Row[]): Promise<void> {
    if (file.kind === 'parquet') return this.#takeParquet(file, rows)
    const max = this.#batchSize
    for (;;) {
      const p = file.pending
      if (p !== undefined) {
        // The position is set once per call, after the last row taken (a bad record after it sets its own).
        let last = -1
        while (rows.length < max) {
          while (file.bad < p.bad.length && p.bad[file.bad]!.index <= file.row) {
            this.#reportBad(file, p, file.bad++)
            last = -1
          }
          if (file.row >= p.rows.length) break
          last = file.row++
          rows.push(p.rows[last]!)
        }
        if (last >= 0) this.#progress.set(file.rel, { offset: p.ends[last]!, line: p.endLines[last]!, done: false })
        if (rows.length >= max && (file.row < p.rows.length || file.bad < p.bad.length)) return
        file.pending = undefined
      }
      if (file.ended) {
        this.#progress.set(file.rel, { offset: file.decoder.offset, line: file.decoder.line, done: true })
        this.#open.delete(file.rel)
        this.#current = undefined
        return
      }
      if (rows.length >= max) return
      file.chunks ??= this.#input(file)
      const next = await file.chunks.next()
      if (!next.done) {
        this.#feed(file, file.decoder.push(next.value))
        continue
      }
      file.chunks = undefined
      if (this.#options.watch && file.format.compression === 'none') {
        // Caught up with a file that may grow: keep its decoder (and any unfinished last line) for later.
        this.#current = undefined
        return
      }
      file.ended = true
      this.#feed(file, file.decoder.end())
    }
  }

  #feed(file: OpenFile, chunk: DecodedChunk): void {
    file.pending = chunk
    file.row = 0
    file.bad = 0
  }

  /** The decompressed bytes still to decode. */
  #input(file: OpenFile): AsyncGenerator<Uint8Array> {
    if (file.format.compression === 'none') {
      const raw = fileBytes(file.abs, file.fedTo)
      return (async function* () {
        for await (const chunk of raw) {
          file.fedTo += chunk.length
          yield chunk
        }
      })()
    }
    const skip = file.skip
    file.skip = 0

    return (async function* () {
      let toSkip = skip
      for await (const chunk of decompress(fileBytes(file.abs), file.format.compression, file.abs)) {
        if (toSkip >= chunk.length) {
          toSkip -= chunk.length
          continue
        }
        yield toSkip > 0 ? chunk.subarray(toSkip) : chunk
        toSkip = 0
      }
    })()
  }

  #reportBad(file: OpenFile, p: DecodedChunk, i: number): void {
    const bad = p.bad[i]!
    this.#context.reportBadRecord({
      error: bad.error,
      raw: bad.raw,
      origin: this.#context.name,
      position: { file: bad.file, line: bad.line, byte: bad.byte },
    })
    this.#progress.set(file.rel, { offset: bad.end, line: bad.endLine, done: false })
  }

  /**
   * Watch mode, all files caught up: looks for growth, replacement and new files. True when there is
   * something to read.
   */
  async #poll(): Promise<boolean> {
    const files = await listFiles(this.#set)
    const ready: string[] = []
    for (const rel of files) {
      const progress = this.#progress.get(rel)
      if (progress?.done === true) continue
      const open = this.#open.get(rel)
      const info = await stat(join(this.#set.root, rel)).catch(() => undefined)
      if (info === undefined) continue
      if (open?.kind === 'parquet' || progress?.unit === 'row') continue
      const fedTo = open?.fedTo ?? progress?.offset ?? 0
      if (open !== undefined && (info.ino !== open.ino || info.size < fedTo)) {
        this.#context.logger.log('warn', `${open.abs} was truncated or replaced; reading it again from the start`, {
          file: open.abs,
        })
        await open.chunks?.return(undefined)
        this.#open.delete(rel)
        this.#progress.set(rel, { offset: 0, line: 1, done: false })
        ready.push(rel)
      } else if (
        open === undefined ? info.size > (progress?.offset ?? 0) || progress === undefined : info.size > fedTo
      ) {
        ready.push(rel)
      }
    }
    this.#queue = ready

    return ready.length > 0
  }
}
