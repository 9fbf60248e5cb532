import { FerrisError, isFerrisError, type RecordBatch, type Row, type Schema, sameType } from '@ferris/core'
import * as arrow from 'apache-arrow'
import type { RecordBatch as WasmBatch, WriterProperties } from 'parquet-wasm'
import type { ByteOutput } from '../io.js'
import { toArrowSchema } from './arrow-types.js'
import { type ColumnBuilder, createColumnBuilder } from './column-builders.js'
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

const COMPRESSION_CODE: Readonly<Record<ParquetCompression, keyof ParquetWasmModule['Compression']>> = {
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
  const { compression = 'zstd', rowGroupSize = DEFAULT_ROW_GROUP_SIZE, createdBy = 'ferris' } = options
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
  let props = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression[COMPRESSION_CODE[compression]])
    .setMaxRowGroupSize(rowGroupSize)
    .setCreatedBy(createdBy)
    // Dictionary encoding pays off for repeated strings; for numbers and timestamps it costs more encoding time
    // than it saves once pages are compressed, so it is enabled per string column only.
    .setDictionaryEnabled(false)
  for (const f of schema.fields) {
    const kind = f.type.kind
    if (kind === 'string' || kind === 'bytes') props = props.setColumnDictionaryEnabled(f.name, true)
    // Integers, dates, times and timestamps are often sorted or close together: delta encoding (readable by every
    // current Parquet reader) halved encoding time and shrank such columns several times in our measurements.
    if (kind === 'int32' || kind === 'int64' || kind === 'date' || kind === 'time' || kind === 'timestamp') {
      props = props.setColumnEncoding(f.name, pw.Encoding.DELTA_BINARY_PACKED)
    }
  }

  return new Writer(schema, arrowSchema, output, pw, props.build(), rowGroupSize)
}

class Writer implements ParquetWriter {
  readonly schema: Schema
  rows = 0
  #rowGroups = 0
  bytesWritten = 0
  readonly #arrowSchema: arrow.Schema
  readonly #builders: ColumnBuilder[]
  readonly #rowGroupSize: number
  readonly #encoder: Encoder
  #checked: Schema | undefined
  #state: 'open' | 'finished' | 'aborted' = 'open'

  constructor(
    schema: Schema,
    arrowSchema: arrow.Schema,
    output: ByteOutput,
    pw: ParquetWasmModule,
    props: WriterProperties,
    rowGroupSize: number,
  ) {
    this.schema = schema
    this.#arrowSchema = arrowSchema
    this.#rowGroupSize = rowGroupSize
    this.#builders = schema.fields.map((f) => createColumnBuilder(f.type, f.name, f.nullable, rowGroupSize))
    this.#encoder = new Encoder(pw, props, output, (n) => {
      this.bytesWritten += n
    })
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
      await this.#encoder.close()
    } catch (error) {
      this.#state = 'aborted'
      throw error
    }
    this.#state = 'finished'

    return { rows: this.rows, rowGroups: this.#rowGroups, bytes: this.bytesWritten }
  }

  async abort(): Promise<void> {
    if (this.#state !== 'open') return
    this.#state = 'aborted'
    for (const b of this.#builders) b.truncate(0)
    await this.#encoder.abort()
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
    let c = 0
    try {
      for (; c < width; c++) {
        const b = this.#builders[c]!
        for (let i = start; i < end; i++) {
          const row = rows[i]!
          if (c === 0 && row.length !== width) throw wrongWidth(row, width, i, this.schema)
          b.append(row[c] ?? null, i)
        }
      }
    } catch (error) {
      for (const b of this.#builders) b.truncate(before)
      throw isFerrisError(error)
        ? error
        : new FerrisError('FERRIS_INTERNAL', `Cannot buffer column ${this.schema.fields[c]?.name}`, { cause: error })
    }
    this.rows += end - start
  }

  async #writeRowGroup(): Promise<void> {
    const n = this.bufferedRows
    const children = this.#builders.map((b) => b.finish())
    const struct = arrow.makeData({ type: new arrow.Struct(this.#arrowSchema.fields), length: n, children })
    const batch = new arrow.RecordBatch(this.#arrowSchema, struct)
    const ipc = arrow.tableToIPC(new arrow.Table([batch]), 'stream')
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

/**
 * Feeds record batches to parquet-wasm's streaming encoder (`transformParquetStream`) and copies the bytes it
 * produces to the output. The encoder pulls one batch at a time; `push` resolves when the encoder has taken its
 * batch, so at most one batch waits while another is encoded.
 */
class Encoder {
  readonly #pw: ParquetWasmModule
  readonly #props: WriterProperties
  readonly #output: ByteOutput
  readonly #written: (n: number) => void
  /** The batch waiting for the encoder; `null` ends the stream. */
  #slot: WasmBatch | null | undefined
  #onPull: (() => void) | undefined
  #onTaken: (() => void) | undefined
  #aborted = false
  #pump: Promise<void> | undefined
  #failure: unknown
  readonly #input: ReadableStream<WasmBatch>

  constructor(pw: ParquetWasmModule, props: WriterProperties, output: ByteOutput, written: (n: number) => void) {
    this.#pw = pw
    this.#props = props
    this.#output = output
    this.#written = written
    this.#input = new ReadableStream<WasmBatch>(
      {
        pull: async (controller) => {
          while (this.#slot === undefined && !this.#aborted) await new Promise<void>((r) => (this.#onPull = r))
          if (this.#aborted) {
            controller.error(new Error('Parquet writing was aborted'))
            return
          }
          const batch = this.#slot!
          this.#slot = undefined
          if (batch === null) controller.close()
          else controller.enqueue(batch)
          this.#onTaken?.()
        },
      },
      { highWaterMark: 0 },
    )
  }

  /** Hands one Arrow IPC stream (one record batch) to the encoder. */
  async push(ipc: Uint8Array): Promise<void> {
    const table = this.#pw.Table.fromIPCStream(ipc)
    const batches = table.recordBatches()
    table.free()
    for (const batch of batches) await this.#offer(batch)
  }

  async close(): Promise<void> {
    await this.#offer(null)
    await this.#pump
    this.#throwIfFailed()
  }

  async abort(): Promise<void> {
    this.#aborted = true
    this.#onPull?.()
    await this.#pump?.catch(() => {})
  }

  async #offer(batch: WasmBatch | null): Promise<void> {
    this.#throwIfFailed()
    const taken = new Promise<void>((r) => (this.#onTaken = r))
    this.#slot = batch
    this.#onPull?.()
    // The encoder reads the first batch (for its schema) before it returns its output stream.
    this.#pump ??= this.#start()
    await Promise.race([taken, this.#pump])
    this.#throwIfFailed()
  }

  async #start(): Promise<void> {
    try {
      const bytes: ReadableStream<Uint8Array> = await this.#pw.transformParquetStream(this.#input, this.#props)
      for await (const chunk of bytes) {
        // After an abort the encoder still closes the file with a footer; those bytes must not reach the output,
        // or a reader would take the truncated file for a complete one.
        if (this.#aborted) break
        await this.#output.write(chunk)
        this.#written(chunk.byteLength)
      }
    } catch (error) {
      this.#failure = error
    }
  }

  #throwIfFailed(): void {
    if (this.#failure === undefined) return
    const error = this.#failure
    if (isFerrisError(error)) throw error
    throw new FerrisError(
      'FERRIS_IO',
      `Cannot write Parquet: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
        retryable: false,
      },
    )
  }
}
