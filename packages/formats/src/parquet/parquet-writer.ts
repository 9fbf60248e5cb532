import { FerrisError, isFerrisError, type RecordBatch, type Row, type Schema, sameType } from '@ferris/core'
import * as arrow from 'apache-arrow'
import type { ByteOutput } from '../io.js'
import { toArrowSchema } from './arrow-types.js'
import { type ColumnBuilder, createColumnBuilder } from './column-builders.js'
import { type EncoderSettings, InlineEncoder, type ParquetEncoder, WorkerEncoder } from './parquet-encoder.js'
import { loadParquetWasm, type ParquetWasmModule } from './parquet-wasm.js'

export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'none'

export const PARQUET_COMPRESSIONS: readonly ParquetCompression[] = ['zstd', 'snappy', 'gzip', 'none']

/** DuckDB's default: large enough for good compression, small enough to keep a row group's memory modest. */
export const DEFAULT_ROW_GROUP_SIZE = 122_880

export interface ParquetWriterOptions {
  /** Default `zstd`. */
  readonly compression?: ParquetCompression
  /** Rows per row group; default 122 880. Memory while writing grows with it (see the README). */
  readonly rowGroupSize?: number
  /** Written into the footer's `created_by`. */
  readonly createdBy?: string
  /**
   * Encode on a worker thread once the first row group is full (default true), so that filling the next row
   * group overlaps with compressing the previous one. Files smaller than one row group are always encoded on the
   * calling thread, so they do not pay for starting a thread.
   */
  readonly worker?: boolean
}

export interface ParquetWriteSummary {
  readonly rows: number
  readonly rowGroups: number
  /** Bytes handed to the output, footer included. */
  readonly bytes: number
}

export interface ParquetWriter {
  readonly schema: Schema
  /** Rows accepted so far, written or still buffered. */
  readonly rows: number
  /** Rows buffered for the row group being built. */
  readonly bufferedRows: number
  /** Bytes handed to the output so far (row groups already encoded). */
  readonly bytesWritten: number
  /**
   * Buffers rows and writes a row group each time `rowGroupSize` rows are buffered. All or nothing: when a
   * value does not fit its column (FERRIS_TYPE_CONVERSION, with the row index in `context.location.row`),
   * none of the batch's rows are kept and the writer stays usable.
   */
  write(batch: RecordBatch | readonly Row[]): Promise<void>
  /** Writes the buffered rows as a (smaller) row group now. */
  flush(): Promise<void>
  /** Writes what is buffered and the footer. The output holds a complete Parquet file when it resolves. */
  finish(): Promise<ParquetWriteSummary>
  /** Stops without a footer; the output holds an incomplete file that the caller should discard. */
  abort(): Promise<void>
}

const COMPRESSION_CODE: Readonly<Record<ParquetCompression, EncoderSettings['compression']>> = {
  zstd: 'ZSTD',
  snappy: 'SNAPPY',
  gzip: 'GZIP',
  none: 'UNCOMPRESSED',
}

/**
 * Creates a Parquet writer. Nothing is written to `output` until the first row group is full (or `flush` or
 * `finish` is called).
 *
 * Memory: the rows of one row group are held in Arrow buffers (typed arrays, about the size of the data), copied
 * once into WebAssembly memory for encoding; while the encoder works on one row group the next one is being
 * filled, so at most about two row groups are held at once.
 */
export async function createParquetWriter(
  schema: Schema,
  output: ByteOutput,
  options: ParquetWriterOptions = {},
): Promise<ParquetWriter> {
  const { compression = 'zstd', rowGroupSize = DEFAULT_ROW_GROUP_SIZE, createdBy = 'ferris', worker = true } = options
  if (!PARQUET_COMPRESSIONS.includes(compression)) {
    throw new FerrisError('FERRIS_CONFIG_INVALID', `Unknown Parquet compression ${JSON.stringify(compression)}`, {
      value: compression,
      expected: `one of ${PARQUET_COMPRESSIONS.join(', ')}`,
    })
  }
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1 || rowGroupSize > 2 ** 30) {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `Parquet row group size ${rowGroupSize} is not a positive row count`,
      {
        value: rowGroupSize,
        expected: 'an integer from 1 to 2^30 (122880 by default)',
      },
    )
  }
  if (schema.length === 0) {
    throw new FerrisError('FERRIS_SCHEMA_MISMATCH', 'A Parquet file needs at least one column; the schema has none', {
      hint: 'select at least one column',
    })
  }
  const names = new Set<string>()
  for (const f of schema.fields) {
    if (names.has(f.name)) {
      throw new FerrisError(
        'FERRIS_SCHEMA_MISMATCH',
        `Column name ${f.name} appears twice; Parquet needs unique names`,
        {
          subject: f.name,
          hint: 'give the columns distinct names with AS',
        },
      )
    }
    names.add(f.name)
  }
  // Builds the Arrow schema first: it throws FERRIS_UNSUPPORTED naming any column Parquet cannot hold.
  const arrowSchema = toArrowSchema(schema)
  const pw = await loadParquetWasm()
  // Dictionary encoding pays off for repeated strings; for numbers and timestamps it costs more encoding time than
  // it saves once pages are compressed, so it is enabled per string column only. Integers, dates, times and
  // timestamps are often sorted or close together: delta encoding (readable by every current Parquet reader)
  // halved encoding time and shrank such columns several times in our measurements.
  const kinds = (k: readonly string[]) => schema.fields.filter((f) => k.includes(f.type.kind)).map((f) => f.name)
  const settings: EncoderSettings = {
    compression: COMPRESSION_CODE[compression],
    rowGroupSize,
    createdBy,
    dictionary: kinds(['string', 'bytes']),
    delta: kinds(['int32', 'int64', 'date', 'time', 'timestamp']),
  }

  return new Writer(schema, arrowSchema, output, pw, settings, worker)
}

/**
 * A writer dropped without `finish` or `abort` (a rolled-back file, say) would leave its encoder thread running
 * until the process ends. When such a writer is garbage-collected, its thread is stopped. Nothing reachable from
 * the thread refers to the writer, or it could never be collected.
 */
const ABANDONED = new FinalizationRegistry<WorkerEncoder>((encoder) => {
  void encoder.abort()
})

class Writer implements ParquetWriter {
  readonly schema: Schema
  rows = 0
  #rowGroups = 0
  /** Shared with the encoder, which must not hold the writer itself (see `ABANDONED`). */
  readonly #counter = { bytes: 0 }
  readonly #arrowSchema: arrow.Schema
  readonly #builders: ColumnBuilder[]
  readonly #rowGroupSize: number
  readonly #output: ByteOutput
  readonly #pw: ParquetWasmModule
  readonly #settings: EncoderSettings
  readonly #worker: boolean
  #encoder: ParquetEncoder | undefined
  #checked: Schema | undefined
  #state: 'open' | 'finished' | 'aborted' = 'open'

  constructor(
    schema: Schema,
    arrowSchema: arrow.Schema,
    output: ByteOutput,
    pw: ParquetWasmModule,
    settings: EncoderSettings,
    worker: boolean,
  ) {
    this.schema = schema
    this.#arrowSchema = arrowSchema
    this.#rowGroupSize = settings.rowGroupSize
    this.#output = output
    this.#pw = pw
    this.#settings = settings
    this.#worker = worker
    this.#builders = schema.fields.map((f) => createColumnBuilder(f.type, f.name, f.nullable, settings.rowGroupSize))
  }

  get bytesWritten(): number {
    return this.#counter.bytes
  }

  get bufferedRows(): number {
    return this.#builders[0]!.length
  }

  async write(batch: RecordBatch | readonly Row[]): Promise<void> {
    this.#assertOpen('write')
    let rows: readonly Row[]
    if (isRowArray(batch)) rows = batch
    else {
      this.#checkSchema(batch.schema)
      rows = batch.rows
    }
    let start = 0
    while (start < rows.length) {
      const room = this.#rowGroupSize - this.bufferedRows
      const end = Math.min(rows.length, start + room)
      this.#append(rows, start, end)
      start = end
      if (this.bufferedRows >= this.#rowGroupSize) await this.#writeRowGroup()
    }
  }

  async flush(): Promise<void> {
    this.#assertOpen('flush')
    if (this.bufferedRows > 0) await this.#writeRowGroup()
  }

  async finish(): Promise<ParquetWriteSummary> {
    this.#assertOpen('finish')
    try {
      // An empty file still carries its schema: an empty batch gives the encoder the schema without a row group.
      if (this.bufferedRows > 0 || this.#rowGroups === 0) await this.#writeRowGroup()
      await this.#encoder!.close()
    } catch (error) {
      this.#state = 'aborted'
      ABANDONED.unregister(this)
      await this.#encoder?.abort()
      throw error
    }
    this.#state = 'finished'

    ABANDONED.unregister(this)

    return { rows: this.rows, rowGroups: this.#rowGroups, bytes: this.bytesWritten }
  }

  async abort(): Promise<void> {
    if (this.#state !== 'open') return
    this.#state = 'aborted'
    ABANDONED.unregister(this)
    for (const b of this.#builders) b.truncate(0)
    await this.#encoder?.abort()
  }

  #assertOpen(what: string): void {
    if (this.#state !== 'open') {
      throw new FerrisError('FERRIS_INTERNAL', `Cannot ${what}: the Parquet writer is already ${this.#state}`, {
        hint: 'create a new writer for the next file',
      })
    }
  }

  #checkSchema(schema: Schema): void {
    if (schema === this.#checked || schema === this.schema) return
    const mismatch =
      schema.length !== this.schema.length
        ? 'a different number of columns'
        : schema.fields.findIndex((f, i) => !sameType(f.type, this.schema.fields[i]!.type)) >= 0
          ? 'different column types'
          : undefined
    if (mismatch !== undefined) {
      throw new FerrisError('FERRIS_SCHEMA_MISMATCH', `A batch with ${mismatch} was written to a Parquet file`, {
        value: schema.toString(),
        expected: this.schema.toString(),
        hint: 'start a new file when the schema changes',
      })
    }
    this.#checked = schema
  }

  /** Column by column, so each builder's loop sees one type; on a bad value every column goes back to `before`. */
  #append(rows: readonly Row[], start: number, end: number): void {
    const before = this.bufferedRows
    const width = this.#builders.length
    for (let i = start; i < end; i++) if (rows[i]!.length !== width) throw wrongWidth(rows[i]!, width, i, this.schema)
    let c = 0
    try {
      for (; c < width; c++) this.#builders[c]!.appendRows(rows, c, start, end)
    } catch (error) {
      for (const b of this.#builders) b.truncate(before)
      throw isFerrisError(error)
        ? error
        : new FerrisError('FERRIS_INTERNAL', `Cannot buffer column ${this.schema.fields[c]?.name}`, { cause: error })
    }
    this.rows += end - start
  }

  /** A full first row group means more may follow: worth a thread. A smaller one means the file ends here. */
  #createEncoder(full: boolean): ParquetEncoder {
    const counter = this.#counter
    const written = (n: number) => {
      counter.bytes += n
    }
    if (!(this.#worker && full)) return new InlineEncoder(this.#pw, this.#settings, this.#output, written)
    const encoder = new WorkerEncoder(this.#settings, this.#output, written)
    ABANDONED.register(this, encoder, this)

    return encoder
  }

  async #writeRowGroup(): Promise<void> {
    const n = this.bufferedRows
    const children = this.#builders.map((b) => b.finish())
    const struct = arrow.makeData({ type: new arrow.Struct(this.#arrowSchema.fields), length: n, children })
    const batch = new arrow.RecordBatch(this.#arrowSchema, struct)
    const ipc = arrow.tableToIPC(new arrow.Table([batch]), 'stream')
    this.#encoder ??= this.#createEncoder(n === this.#rowGroupSize)
    await this.#encoder.push(ipc)
    if (n > 0) this.#rowGroups++
  }
}

function isRowArray(batch: RecordBatch | readonly Row[]): batch is readonly Row[] {
  return Array.isArray(batch)
}

function wrongWidth(row: Row, width: number, index: number, schema: Schema): FerrisError {
  return new FerrisError(
    'FERRIS_SCHEMA_MISMATCH',
    `Row ${index} has ${row.length} values for ${width} Parquet columns`,
    {
      value: row.length,
      expected: `${width} values: ${schema.toString()}`,
      location: { row: index },
    },
  )
}
