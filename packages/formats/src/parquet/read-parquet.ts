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
  /** The good rows, in file order. */
  readonly rows: Row[]
  /**
   * Rows whose values do not fit the schema (a decimal too wide, NULL in a NOT NULL column), in file order. They
   * are left out of `rows`; the batch's other rows are unaffected.
   */
  readonly bad: ParquetBadRow[]
  /** The file index of the batch's first row, good or bad. */
  readonly startRow: number
  /** The index of the row after the last one in `rows` or `bad`: resume with `fromRow: endRow`. */
  readonly endRow: number
}

/** A row of the file that does not fit the schema, with everything a dead-letter entry needs. */
export interface ParquetBadRow {
  /** How many good rows of the same batch precede it: it sits between `rows[index - 1]` and `rows[index]`. */
  readonly index: number
  /** Its index in the file (0-based): the good row of the batch before it is `row - 1` or earlier. */
  readonly row: number
  /** The first value that did not fit, naming the column, the file and the row. */
  readonly error: FerrisError
  /** The row's values by column name: converted where they fit, as read from the file where they did not. */
  readonly values: Record<string, Value>
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
          const { rows, bad } = toRows(batch, columns, schema, skip, row, input.name)
          const startRow = row + skip
          row += n
          skip = 0
          yield { schema, rows, bad, startRow, endRow: row }
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

/**
 * Column-wise conversion, then one row array per record. `firstRow` is the file index of the batch's row 0. A value
 * that does not fit makes its row bad (the first such value names the error) and the row is moved to `bad`; the
 * other rows are unaffected. Failures that concern a whole column (an unreadable Arrow type) still throw.
 */
function toRows(
  batch: arrow.RecordBatch,
  columns: readonly ColumnPlan[],
  schema: Schema,
  skip: number,
  firstRow: number,
  file: string,
): { rows: Row[]; bad: ParquetBadRow[] } {
  const n = batch.numRows - skip
  const width = columns.length
  const rows: Row[] = new Array(n)
  for (let i = 0; i < n; i++) rows[i] = new Array<Value>(width)
  // Sparse: only rows with a value that does not fit get an entry.
  const errors = new Map<number, FerrisError>()
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
    for (let i = 0; i < n; i++) {
      const v = values[i + skip]!
      if (v === null && column.notNull) {
        if (!errors.has(i)) errors.set(i, nullInNotNull(column.name, file, firstRow + skip + i))
        rows[i]![c] = v
        continue
      }
      if (coerce === undefined) {
        rows[i]![c] = v
        continue
      }
      try {
        rows[i]![c] = coerce(v, firstRow + skip + i)
      } catch (error) {
        if (!isFerrisError(error)) {
          throw new FerrisError('FERRIS_INTERNAL', `Cannot convert column ${column.name} of ${file}`, { cause: error })
        }
        if (!errors.has(i)) errors.set(i, error)
        // The value as the file holds it, for the dead-letter entry.
        rows[i]![c] = v
      }
    }
  }
  if (errors.size === 0) return { rows, bad: [] }

  const good: Row[] = []
  const bad: ParquetBadRow[] = []
  for (let i = 0; i < n; i++) {
    const error = errors.get(i)
    if (error === undefined) {
      good.push(rows[i]!)
      continue
    }
    const values: Record<string, Value> = {}
    for (let c = 0; c < width; c++) values[columns[c]!.name] = rows[i]![c]!
    bad.push({ index: good.length, row: firstRow + skip + i, error, values })
  }

  return { rows: good, bad }
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
