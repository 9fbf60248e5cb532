import { FerrisError, isFerrisError, type Row, type Schema, type Value } from '@ferris/core'
import * as arrow from 'apache-arrow'
import type { RandomAccessInput } from '../io.js'
import { arrowDataToValues } from './arrow-to-values.js'
import { fromArrowSchema } from './arrow-types.js'
import { type Coerce, coercion } from './coerce.js'
import { inputAsBlob, loadParquetWasm } from './parquet-wasm.js'

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

import type { ParquetFile } from 'parquet-wasm'

async function openFile(input: RandomAccessInput): Promise<{ file: ParquetFile; failure: () => unknown }> {
  const pw = await loadParquetWasm()
  const size = await input.size()
  if (size < 12) throw malformed(input, `it is ${size} bytes long, shorter than any Parquet file`)
  const blob = inputAsBlob(input, size)
  try {
    // The glue code only calls size, slice and arrayBuffer (see BlobLike), so the cast is safe.
    return { file: await pw.ParquetFile.fromFile(blob as unknown as Blob), failure: blob.failure }
  } catch (cause) {
    throw blob.failure() ?? malformed(input, messageOf(cause), cause)
  }
}

function malformed(input: RandomAccessInput, why: string, cause?: unknown): FerrisError {
  return new FerrisError('FERRIS_RECORD_MALFORMED', `Cannot read ${input.name} as Parquet: ${why}`, {
    subject: input.name,
    location: { file: input.name },
    hint: 'check that the file is a complete Parquet file (it starts and ends with PAR1)',
    ...(cause === undefined ? {} : { cause }),
  })
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function fileSchema(file: ParquetFile, input: RandomAccessInput): Schema {
  const ipc = file.schema().intoIPCStream()

  return fromArrowSchema(arrow.tableFromIPC(ipc).schema, input.name)
}

/** The file's schema, from its footer (the last bytes of the file), mapped to core types. */
export async function readParquetSchema(input: RandomAccessInput): Promise<Schema> {
  return (await readParquetInfo(input)).schema
}

export async function readParquetInfo(input: RandomAccessInput): Promise<ParquetFileInfo> {
  const { file } = await openFile(input)
  try {
    const meta = file.metadata()
    const groups = meta.rowGroups()
    const rowGroups = groups.map((g) => g.numRows())
    for (const g of groups) g.free()
    const fileMeta = meta.fileMetadata()
    const info = {
      schema: fileSchema(file, input),
      numRows: fileMeta.numRows(),
      rowGroups,
      createdBy: fileMeta.createdBy(),
    }
    fileMeta.free()
    meta.free()

    return info
  } finally {
    file.free()
  }
}

import type { RecordBatch as WasmBatch } from 'parquet-wasm'

interface ColumnPlan {
  /** Position in the Arrow batch, or -1 when the file lacks the column (it reads as null). */
  readonly source: number
  readonly coerce: Coerce | undefined
  readonly name: string
  readonly notNull: boolean
}

function plan(
  file: Schema,
  wanted: Schema | undefined,
  name: string,
): { schema: Schema; columns: ColumnPlan[]; read: string[] } {
  if (wanted === undefined) {
    return {
      schema: file,
      columns: file.fields.map((f, i) => ({ source: i, coerce: undefined, name: f.name, notNull: false })),
      read: file.names,
    }
  }
  const read: string[] = []
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

      return { source: -1, coerce: undefined, name: f.name, notNull: false }
    }
    const found = file.fields[i]!
    read.push(found.name)

    return {
      source: read.length - 1,
      coerce: coercion(found.type, f.type, f.name, name),
      name: f.name,
      notNull: !f.nullable && found.nullable,
    }
  })

  return { schema: wanted, columns, read }
}

/**
 * Reads a Parquet file row group by row group, in batches of rows.
 *
 * Memory: the footer is read first (two ranged reads), then each row group's column chunks with one ranged
 * read each; parquet-wasm decodes `batchSize` rows at a time from the chunks it holds. So at most one row
 * group's compressed bytes, one decoded Arrow batch and its rows are held at once, whatever the file's size.
 * Limitation: the WebAssembly memory that parquet-wasm grows to hold the largest row group is not returned to
 * the system until the process ends (WebAssembly memory never shrinks).
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
  const { file, failure } = await openFile(input)
  try {
    const { schema, columns, read } = plan(fileSchema(file, input), options.schema, input.name)
    const meta = file.metadata()
    const groups = meta.rowGroups()
    const groupRows = groups.map((g) => g.numRows())
    for (const g of groups) g.free()
    meta.free()

    let groupStart = 0
    for (let g = 0; g < groupRows.length; g++) {
      const groupEnd = groupStart + groupRows[g]!
      if (groupEnd <= fromRow || groupRows[g] === 0) {
        groupStart = groupEnd
        continue
      }
      let skip = Math.max(0, fromRow - groupStart)
      let row = groupStart
      let stream: ReadableStream<WasmBatch>
      try {
        stream = await file.stream({ rowGroups: [g], batchSize, columns: read })
      } catch (cause) {
        throw failure() ?? malformed(input, `row group ${g}: ${messageOf(cause)}`, cause)
      }
      const reader = stream.getReader()
      try {
        for (;;) {
          const next = await reader.read().catch((cause: unknown) => {
            throw failure() ?? malformed(input, `row group ${g}: ${messageOf(cause)}`, cause)
          })
          if (next.done) break
          const table = arrow.tableFromIPC(next.value.intoIPCStream())
          for (const batch of table.batches) {
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
        await reader.cancel().catch(() => {})
        reader.releaseLock()
      }
      groupStart = groupEnd
    }
  } finally {
    file.free()
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
    if (column.source < 0) {
      for (let i = 0; i < n; i++) rows[i]![c] = null
      continue
    }
    const data = batch.data.children[column.source]!
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
