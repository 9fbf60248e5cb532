import { FerrisError, isFerrisError, type Row, type Schema, type Value } from '@ferris/core'
import * as arrow from 'apache-arrow'
import type { RandomAccessInput } from '../io.js'
import { arrowDataToValues } from './arrow-to-values.js'
import { fromArrowSchema } from './arrow-types.js'
import { type Coerce, coercion } from './coerce.js'
import {
  malformed,
  type ParquetFooter,
  readFooter,
  readRowGroupBytes,
  rowGroupFile,
  schemaOnlyFile,
} from './parquet-footer.js'
import { loadParquetWasm } from './parquet-wasm.js'

export interface ParquetReadOptions {
  /**
   * The columns the job expects, matched by name (exactly, then case-insensitively). Columns of the file that
   * are not named are not read; a named column the file lacks reads as null when it is nullable. Types are
   * widened where no value is lost (INT to BIGINT, to DECIMAL or DOUBLE, a finer timestamp unit to a coarser
   * one); other differences fail with FERRIS_SCHEMA_MISMATCH. Absent: the file's own schema.
   */
  readonly schema?: Schema
  /** Rows per batch (the last batch of each row group may hold fewer). */
  readonly batchSize: number
  /** Skip the rows before this index (0-based, counted from the start of the file); for resuming. */
  readonly fromRow?: number
}

export interface ParquetRowBatch {
  /** The schema the rows follow: `options.schema` when given, else the file's. */
  readonly schema: Schema
  readonly rows: Row[]
  /** The index of the row after the last one in `rows`: resume with `fromRow: endRow`. */
  readonly endRow: number
}

/** What the footer says about a file, read with two ranged reads. */
export interface ParquetFileInfo {
  readonly schema: Schema
  readonly numRows: number
  /** Rows in each row group, in file order. */
  readonly rowGroups: readonly number[]
  readonly createdBy: string | undefined
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

async function fileSchema(footer: ParquetFooter, input: RandomAccessInput): Promise<Schema> {
  const pw = await loadParquetWasm()
  let ipc: Uint8Array
  try {
    ipc = pw.readSchema(schemaOnlyFile(footer)).intoIPCStream()
  } catch (cause) {
    throw malformed(input, `its schema cannot be decoded: ${messageOf(cause)}`, cause)
  }

  return fromArrowSchema(arrow.tableFromIPC(ipc).schema, input.name)
}

/** The file's schema, from its footer (the last bytes of the file), mapped to core types. */
export async function readParquetSchema(input: RandomAccessInput): Promise<Schema> {
  return (await readParquetInfo(input)).schema
}

export async function readParquetInfo(input: RandomAccessInput): Promise<ParquetFileInfo> {
  const footer = await readFooter(input)

  return {
    schema: await fileSchema(footer, input),
    numRows: footer.numRows,
    rowGroups: footer.rowGroups.map((g) => g.numRows),
    createdBy: footer.createdBy,
  }
}

interface ColumnPlan {
  /** The column's name in the file, or undefined when the file lacks it (it reads as null). */
  readonly source: string | undefined
  readonly coerce: Coerce | undefined
  readonly name: string
  readonly notNull: boolean
}

function plan(file: Schema, wanted: Schema | undefined, name: string): { schema: Schema; columns: ColumnPlan[] } {
  if (wanted === undefined) {
    return {
      schema: file,
      columns: file.fields.map((f) => ({ source: f.name, coerce: undefined, name: f.name, notNull: false })),
    }
  }
  const columns = wanted.fields.map((f): ColumnPlan => {
    const i = file.indexOf(f.name)
    if (i < 0) {
      if (!f.nullable) {
        throw new FerrisError('FERRIS_SCHEMA_MISMATCH', `Column ${f.name} is missing from ${name}`, {
          subject: f.name,
          value: file.names.join(', '),
          expected: `a column named ${f.name}`,
          location: { file: name },
          hint: 'declare the column nullable to read it as NULL, or fix the column name',
        })
      }

      return { source: undefined, coerce: undefined, name: f.name, notNull: false }
    }
    const found = file.fields[i]!

    return {
      source: found.name,
      coerce: coercion(found.type, f.type, f.name, name),
      name: f.name,
      notNull: !f.nullable && found.nullable,
    }
  })

  return { schema: wanted, columns }
}

/**
 * Reads a Parquet file row group by row group, in batches of rows.
 *
 * Memory: the footer is read first (one ranged read of the file's end), then each row group with one ranged read
 * of its column chunks, which parquet-wasm decodes into Arrow batches of `batchSize` rows. At most one row group is
 * held at once: its compressed bytes, its decoded Arrow data (in WebAssembly memory) and the rows of one batch.
 * Limitation: the whole row group is decoded before its first batch is handed over, and the WebAssembly memory
 * grown for the largest row group is kept until the process ends (WebAssembly memory never shrinks).
 */
export async function* readParquet(
  input: RandomAccessInput,
  options: ParquetReadOptions,
): AsyncGenerator<ParquetRowBatch> {
  const { batchSize, fromRow = 0 } = options
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new FerrisError('FERRIS_CONFIG_INVALID', `Parquet batch size ${batchSize} is not a positive integer`, {
      value: batchSize,
      expected: 'an integer of at least 1',
    })
  }
  if (!Number.isInteger(fromRow) || fromRow < 0) {
    throw new FerrisError('FERRIS_CONFIG_INVALID', `Parquet start row ${fromRow} is not a row index`, {
      value: fromRow,
      expected: 'an integer of at least 0',
    })
  }
  const footer = await readFooter(input)
  const { schema, columns } = plan(await fileSchema(footer, input), options.schema, input.name)
  const pw = await loadParquetWasm()

  let groupStart = 0
  for (const group of footer.rowGroups) {
    const groupEnd = groupStart + group.numRows
    if (groupEnd <= fromRow || group.numRows === 0) {
      groupStart = groupEnd
      continue
    }
    let skip = Math.max(0, fromRow - groupStart)
    let row = groupStart
    const body = await readRowGroupBytes(input, group)
    let table: ReturnType<typeof pw.readParquet>
    try {
      // Limitation: parquet-wasm 0.8's synchronous reader ignores its `columns` option, so every column of the row
      // group is decoded even when the schema names fewer; the unwanted ones are dropped after decoding.
      table = pw.readParquet(rowGroupFile(footer, group.index, body), { batchSize })
    } catch (cause) {
      throw malformed(input, `row group ${group.index}: ${messageOf(cause)}`, cause)
    }
    try {
      for (let b = 0; b < table.numBatches; b++) {
        const wasmBatch = table.recordBatch(b)
        if (wasmBatch === undefined) break
        for (const batch of arrow.tableFromIPC(wasmBatch.intoIPCStream()).batches) {
          const n = batch.numRows
          if (skip >= n) {
            skip -= n
            row += n
            continue
          }
          const rows = toRows(batch, columns, schema, skip, row, input.name)
          row += n
          skip = 0
          yield { schema, rows, endRow: row }
        }
      }
    } finally {
      table.free()
    }
    if (row !== groupEnd) {
      throw malformed(
        input,
        `row group ${group.index} holds ${row - groupStart} rows, but its metadata says ${group.numRows}`,
      )
    }
    groupStart = groupEnd
  }
}

/** Column-wise conversion, then one row array per record. `firstRow` is the file index of the batch's row 0. */
function toRows(
  batch: arrow.RecordBatch,
  columns: readonly ColumnPlan[],
  schema: Schema,
  skip: number,
  firstRow: number,
  file: string,
): Row[] {
  const n = batch.numRows - skip
  const width = columns.length
  const rows: Row[] = new Array(n)
  for (let i = 0; i < n; i++) rows[i] = new Array<Value>(width)
  for (let c = 0; c < width; c++) {
    const column = columns[c]!
    // Found by name: parquet-wasm may return more columns than asked for, in the file's order.
    const index = column.source === undefined ? -1 : batch.schema.fields.findIndex((f) => f.name === column.source)
    if (index < 0) {
      for (let i = 0; i < n; i++) rows[i]![c] = null
      continue
    }
    const data = batch.data.children[index]!
    const values = arrowDataToValues(data, schema.fields[c]!.name)
    const coerce = column.coerce
    try {
      for (let i = 0; i < n; i++) {
        const v = values[i + skip]!
        if (v === null && column.notNull) throw nullInNotNull(column.name, file, firstRow + skip + i)
        rows[i]![c] = coerce === undefined ? v : coerce(v, firstRow + skip + i)
      }
    } catch (error) {
      if (isFerrisError(error)) throw error
      throw new FerrisError('FERRIS_INTERNAL', `Cannot convert column ${column.name} of ${file}`, { cause: error })
    }
  }

  return rows
}

function nullInNotNull(column: string, file: string, row: number): FerrisError {
  return new FerrisError(
    'FERRIS_SCHEMA_MISMATCH',
    `Column ${column} is declared NOT NULL but row ${row} of ${file} has NULL`,
    {
      subject: column,
      value: null,
      location: { file, row },
      hint: `declare ${column} nullable in the source's schema`,
    },
  )
}
