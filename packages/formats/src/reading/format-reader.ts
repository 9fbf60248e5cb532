import type { Row, Schema } from '@ferris/core'
import { decompress } from '../compression/compression.js'
import { readCsvHeader } from '../csv/csv-decoder.js'
import type { DecodeBadRecord, DecodedChunk, RecordDecoder } from '../decoder.js'
import type { ResolvedFormat } from '../options/format-options.js'
import { type ParquetBadRow, type ParquetRowBatch, readParquet } from '../parquet/read-parquet.js'
import type { ByteOrigin, ClosableInput } from './byte-origin.js'
import type { RowOrigins } from './row-origins.js'

/** How far one file or object has been read, as a source position stores it. */
export interface ReadProgress {
  /** Byte offset after the last record handed over (decompressed bytes); for Parquet, the next row's index. */
  readonly offset: number
  /** `row` for Parquet, whose offset counts rows; absent for byte offsets. */
  readonly unit?: 'row'
  /** Line number at `offset`, so bad records keep their true line after a restart. */
  readonly line: number
  readonly done: boolean
}

/** What a format reader tells its source: each move of the position, and each bad record (before its move). */
export interface ReadHooks {
  progress(progress: ReadProgress): void
  badRecord(bad: DecodeBadRecord): void
  badRow(bad: ParquetBadRow, input: string): void
}

export interface FormatReaderOptions {
  readonly schema: Schema
  readonly batchSize: number
  /**
   * At the end of an uncompressed input, keep the decoder (and an unfinished last line) and answer
   * `caught-up` instead of ending: the file may grow (`watch` on local files).
   */
  readonly followGrowth: boolean
}

/** `done`: the input was read to its end; `caught-up`: no more bytes for now; `full`: `rows` is full. */
export type TakeResult = 'full' | 'done' | 'caught-up'

/** Decodes one file or object into rows, moving the position as rows are handed over. */
export interface FormatReader {
  readonly kind: 'stream' | 'parquet'
  /** Raw bytes fed to the decoder so far (uncompressed inputs): where to continue when a file grows. */
  readonly fedTo: number
  /**
   * Moves rows into `rows` until it holds `max`, reporting bad records in input order between them; notes
   * in `origins` where each row came from (index for index with `rows`) when given.
   */
  take(rows: Row[], max: number, origins?: RowOrigins): Promise<TakeResult>
  close(): Promise<void>
}

/** Opens `origin` in `format` to be read from `from`; the CSV header is read first when resuming inside. */
export async function openFormatReader(
  origin: ByteOrigin,
  format: ResolvedFormat,
  from: ReadProgress,
  options: FormatReaderOptions,
  hooks: ReadHooks,
): Promise<FormatReader> {
  const stream = format.lookup.stream
  if (stream === undefined) {
    const input = origin.randomAccess()
    const fromRow = from.unit === 'row' ? from.offset : 0
    const batches = readParquet(input, { schema: options.schema, batchSize: options.batchSize, fromRow })

    return new ParquetReader(input, batches, from.offset, hooks)
  }
  let header: readonly string[] | undefined
  if (from.offset > 0 && stream.needsHeader(format.streamOptions)) {
    const content = decompress(origin.bytes(0), format.compression, origin.name)
    try {
      header = await readCsvHeader(content, format.streamOptions)
    } finally {
      await content.return(undefined)
    }
  }
  const decoder = stream.createDecoder({
    ...format.streamOptions,
    ...(header === undefined ? {} : { header }),
    schema: options.schema,
    file: origin.name,
    startOffset: from.offset,
    startLine: from.line,
  })

  return new StreamReader(origin, format, decoder, from.offset, options.followGrowth, hooks)
}

/** A Parquet input read by row groups; positions count rows. */
class ParquetReader implements FormatReader {
  readonly kind = 'parquet'
  readonly fedTo = 0
  readonly #input: ClosableInput
  readonly #batches: AsyncGenerator<ParquetRowBatch>
  readonly #hooks: ReadHooks
  readonly #from: number
  #pending: ParquetRowBatch | undefined
  #row = 0
  /** Bad rows of `pending` reported so far. */
  #bad = 0

  constructor(input: ClosableInput, batches: AsyncGenerator<ParquetRowBatch>, from: number, hooks: ReadHooks) {
    this.#input = input
    this.#batches = batches
    this.#from = from
    this.#hooks = hooks
  }

  /** Bad rows are reported in file order between the good ones, and the position moves past each. */
  async take(rows: Row[], max: number, origins?: RowOrigins): Promise<TakeResult> {
    while (rows.length < max) {
      const p = this.#pending
      if (p === undefined || (this.#row >= p.rows.length && this.#bad >= p.bad.length)) {
        const next = await this.#batches.next()
        if (next.done) {
          this.#hooks.progress({ offset: p?.endRow ?? this.#from, line: 1, done: true, unit: 'row' })
          await this.#input.close()
          return 'done'
        }
        this.#pending = next.value
        this.#row = 0
        this.#bad = 0
        continue
      }
      while (this.#bad < p.bad.length && p.bad[this.#bad]!.index <= this.#row) {
        const bad = p.bad[this.#bad++]!
        this.#hooks.badRow(bad, this.#input.name)
        this.#hooks.progress({ offset: bad.row + 1, line: 1, done: false, unit: 'row' })
      }
      // Good rows up to the next bad one (or the batch's end): their file indexes follow each other.
      const upTo = this.#bad < p.bad.length ? p.bad[this.#bad]!.index : p.rows.length
      const n = Math.min(max - rows.length, upTo - this.#row)
      if (n <= 0) continue
      for (let i = 0; i < n; i++) rows.push(p.rows[this.#row + i]!)
      if (origins !== undefined) {
        const first = p.startRow + this.#row + this.#bad
        for (let i = 0; i < n; i++) origins.addRow(this.#input.name, first + i)
      }
      this.#row += n
      // Row k of the batch is file row startRow + k + (bad rows before it), all of which are reported by now.
      this.#hooks.progress({ offset: p.startRow + this.#row + this.#bad, line: 1, done: false, unit: 'row' })
    }

    return 'full'
  }

  async close(): Promise<void> {
    await this.#batches.return(undefined)
    await this.#input.close()
  }
}

/** A line or JSON input: its decoder, the bytes it was fed, and the decoded records not yet handed over. */
class StreamReader implements FormatReader {
  readonly kind = 'stream'
  readonly #origin: ByteOrigin
  readonly #format: ResolvedFormat
  readonly #decoder: RecordDecoder
  readonly #followGrowth: boolean
  readonly #hooks: ReadHooks
  #fedTo: number
  /** Decompressed bytes to drop before decoding (resuming inside a compressed input). */
  #skip: number
  #chunks: AsyncGenerator<Uint8Array> | undefined
  #pending: DecodedChunk | undefined
  #row = 0
  #bad = 0
  /** The decoder reached the end of the input and was ended: done once `pending` is consumed. */
  #ended = false

  constructor(
    origin: ByteOrigin,
    format: ResolvedFormat,
    decoder: RecordDecoder,
    from: number,
    followGrowth: boolean,
    hooks: ReadHooks,
  ) {
    this.#origin = origin
    this.#format = format
    this.#decoder = decoder
    this.#followGrowth = followGrowth && format.compression === 'none'
    this.#hooks = hooks
    const compressed = format.compression !== 'none'
    this.#fedTo = compressed ? 0 : from
    this.#skip = compressed ? from : 0
  }

  get fedTo(): number {
    return this.#fedTo
  }

  async take(rows: Row[], max: number, origins?: RowOrigins): Promise<TakeResult> {
    for (;;) {
      const p = this.#pending
      if (p !== undefined) {
        // The position is set once per call, after the last row taken (a bad record after it sets its own).
        let last = -1
        while (rows.length < max) {
          while (this.#bad < p.bad.length && p.bad[this.#bad]!.index <= this.#row) {
            const bad = p.bad[this.#bad++]!
            this.#hooks.badRecord(bad)
            this.#hooks.progress({ offset: bad.end, line: bad.endLine, done: false })
            last = -1
          }
          if (this.#row >= p.rows.length) break
          last = this.#row++
          rows.push(p.rows[last]!)
          origins?.addLine(this.#origin.name, p.lines[last]!, p.starts[last]!)
        }
        if (last >= 0) this.#hooks.progress({ offset: p.ends[last]!, line: p.endLines[last]!, done: false })
        if (rows.length >= max && (this.#row < p.rows.length || this.#bad < p.bad.length)) return 'full'
        this.#pending = undefined
      }
      if (this.#ended) {
        this.#hooks.progress({ offset: this.#decoder.offset, line: this.#decoder.line, done: true })
        return 'done'
      }
      if (rows.length >= max) return 'full'
      this.#chunks ??= this.#input()
      const next = await this.#chunks.next()
      if (!next.done) {
        this.#feed(this.#decoder.push(next.value))
        continue
      }
      this.#chunks = undefined
      // Caught up with an input that may grow: keep the decoder (and any unfinished last line) for later.
      if (this.#followGrowth) return 'caught-up'
      this.#ended = true
      this.#feed(this.#decoder.end())
    }
  }

  async close(): Promise<void> {
    await this.#chunks?.return(undefined)
  }

  #feed(chunk: DecodedChunk): void {
    this.#pending = chunk
    this.#row = 0
    this.#bad = 0
  }

  /** The decompressed bytes still to decode. */
  #input(): AsyncGenerator<Uint8Array> {
    const origin = this.#origin
    if (this.#format.compression === 'none') {
      const raw = origin.bytes(this.#fedTo)
      const count = (n: number): void => {
        this.#fedTo += n
      }
      return (async function* () {
        for await (const chunk of raw) {
          count(chunk.length)
          yield chunk
        }
      })()
    }
    const skip = this.#skip
    this.#skip = 0
    const compression = this.#format.compression

    // Limitation: a compressed input cannot be entered in the middle, so resuming one decompresses it from
    // its start and drops the bytes before the stored offset.
    return (async function* () {
      let toSkip = skip
      for await (const chunk of decompress(origin.bytes(0), compression, origin.name)) {
        if (toSkip >= chunk.length) {
          toSkip -= chunk.length
          continue
        }
        yield toSkip > 0 ? chunk.subarray(toSkip) : chunk
        toSkip = 0
      }
    })()
  }
}
