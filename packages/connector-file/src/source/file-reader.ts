import { stat } from 'node:fs/promises'
import { join } from 'node:path'
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
import type { FileOptions } from '../options.js'
import { type FileSet, listFiles } from './file-set.js'
import { LocalFileInput } from './local-input.js'
import { type FileProgress, fromPosition, toPosition } from './position.js'
import { fileBytes } from './read-bytes.js'

/** One file being read: its format reader, and its inode (to see it replaced). */
interface OpenFile {
  readonly rel: string
  readonly abs: string
  readonly reader: FormatReader
  readonly ino: number
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
  #open = new Map<string, OpenFile>()
  #current: OpenFile | undefined
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
    const walk = {
      next: () => this.#nextFile(),
      take: (input: OpenFile, rows: Row[], _max: number, origins: RowOrigins) => this.#take(input, rows, origins),
      poll: () => this.#poll(),
      position: () => this.position(),
    }
    const result = await readBatch(walk, {
      schema: this.#reader.schema,
      batchSize: this.#batchSize,
      watch: this.#options.watch === true,
      pollInterval: this.#options.poll_interval,
      signal: this.#context.signal,
    })
    if (result.kind === 'end') this.#finished = true

    return result
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
    for (const f of this.#open.values()) await f.reader.close()
    this.#open.clear()
    this.#current = undefined
  }

  /** The file to read from now: the current one while it has input, else the next in the queue. */
  async #nextFile(): Promise<OpenFile | undefined> {
    if (this.#current !== undefined) return this.#current
    this.#queue ??= (await listFiles(this.#set)).filter((f) => this.#progress.get(f)?.done !== true)
    const rel = this.#queue.shift()
    if (rel === undefined) return undefined
    this.#current = this.#open.get(rel) ?? (await this.#openFile(rel))

    return this.#current
  }

  async #openFile(rel: string): Promise<OpenFile> {
    const abs = join(this.#set.root, rel)
    const format = formatOf(this.#options, rel, this.#context.name)
    const from = this.#progress.get(rel) ?? { offset: 0, line: 1, done: false }
    const context = this.#context
    const origin = {
      name: abs,
      bytes: (start: number) => fileBytes(abs, start),
      randomAccess: () => new LocalFileInput(abs),
    }
    const reader = await openFormatReader(
      origin,
      format,
      from,
      { schema: this.#reader.schema, batchSize: this.#batchSize, followGrowth: this.#options.watch === true },
      {
        progress: (p: ReadProgress) => this.#progress.set(rel, p),
        badRecord: (bad) =>
          context.reportBadRecord({
            error: bad.error,
            raw: bad.raw,
            origin: context.name,
            position: { file: bad.file, line: bad.line, byte: bad.byte },
          }),
        badRow: (bad, input) =>
          context.reportBadRecord({
            error: bad.error,
            values: bad.values,
            origin: context.name,
            position: { file: input, row: bad.row },
          }),
      },
    )
    const info = reader.kind === 'stream' ? await stat(abs).catch(() => undefined) : undefined
    const file: OpenFile = { rel, abs, reader, ino: info?.ino ?? 0 }
    this.#open.set(rel, file)

    return file
  }

  /** Moves decoded records of `file` into `rows`, decoding more input when needed. */
  async #take(file: OpenFile, rows: Row[], origins: RowOrigins): Promise<void> {
    const result = await file.reader.take(rows, this.#batchSize, origins)
    if (result === 'full') return
    if (result === 'done') this.#open.delete(file.rel)
    this.#current = undefined
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
      if (open?.reader.kind === 'parquet' || progress?.unit === 'row') continue
      const fedTo = open?.reader.fedTo ?? progress?.offset ?? 0
      if (open !== undefined && (info.ino !== open.ino || info.size < fedTo)) {
        this.#context.logger.log('warn', `${open.abs} was truncated or replaced; reading it again from the start`, {
          file: open.abs,
        })
        await open.reader.close()
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
