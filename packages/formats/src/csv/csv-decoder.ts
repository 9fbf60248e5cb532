import { type DataType, FerrisError, type Row, type Schema } from '@ferris/core'
import { cellError, createTextCell, type TextCellReader } from '../convert/text-cell.js'
import {
  cutRaw,
  type DecodeBadRecord,
  type DecodedChunk,
  type DecoderOptions,
  emptyChunk,
  type RecordDecoder,
} from '../decoder.js'
import { type CsvDialectOptions, csvDialect } from './csv-dialect.js'
import { CsvTokenizer, type CsvTokenSink } from './csv-tokenizer.js'

export interface CsvDecoderOptions extends DecoderOptions, CsvDialectOptions {
  /** The first record names the columns (default true). Columns are matched to schema fields by name. */
  readonly hasHeader?: boolean
  /**
   * When resuming past the header of a file with one, its column names (read again from the start of the
   * file with `readCsvHeader`).
   */
  readonly header?: readonly string[]
  /** Unquoted text that means NULL. Default: the empty string. */
  readonly nullMarker?: string
  /** A record longer than this is reported bad and skipped to the next line (default 16 MiB). */
  readonly maxRecordBytes?: number
}

/**
 * Decodes CSV into rows of `schema`. With a header, fields are matched by column name (exact, then
 * case-insensitive) and schema fields missing from the file are NULL; without one, by position. A record
 * with another number of fields than the header (or the schema, without a header) is bad.
 */
export class CsvDecoder implements RecordDecoder, CsvTokenSink {
  readonly #schema: Schema
  readonly #types: DataType[]
  readonly #nullable: boolean[]
  /** One text reader per schema field, bound once. */
  readonly #cells: TextCellReader[]
  readonly #file: string
  readonly #hasHeader: boolean
  readonly #tokenizer: CsvTokenizer
  #header: readonly string[] | undefined
  /** The next record is the header. */
  #awaitingHeader: boolean
  /** `#columnOf[i]` is the CSV column of schema field i, or -1. */
  #columnOf: number[] = []
  #expected = 0
  #out: DecodedChunk = emptyChunk()

  constructor(options: CsvDecoderOptions) {
    this.#schema = options.schema
    this.#types = options.schema.fields.map((f) => f.type)
    this.#nullable = options.schema.fields.map((f) => f.nullable)
    this.#file = options.file
    this.#hasHeader = options.hasHeader ?? true
    const nullMarker = options.nullMarker ?? ''
    this.#cells = this.#types.map((type) => createTextCell(type, nullMarker))
    const dialect = csvDialect(options)
    this.#tokenizer = new CsvTokenizer(
      dialect,
      this,
      options.startOffset ?? 0,
      options.startLine ?? 1,
      options.maxRecordBytes,
    )
    this.#awaitingHeader = false
    if (!this.#hasHeader) this.#useColumns(undefined)
    else if (options.header !== undefined) this.#useColumns(options.header)
    else if ((options.startOffset ?? 0) > 0) {
      throw new FerrisError(
        'FERRIS_INTERNAL',
        `Resuming ${options.file} at byte ${options.startOffset} needs its header`,
        {
          hint: 'Pass the header read with readCsvHeader()',
        },
      )
    } else this.#awaitingHeader = true
  }

  /** The column names, once the header was read (or as given). */
  get header(): readonly string[] | undefined {
    return this.#header
  }

  get offset(): number {
    return this.#tokenizer.offset
  }

  get line(): number {
    return this.#tokenizer.line
  }

  push(chunk: Uint8Array): DecodedChunk {
    this.#tokenizer.push(chunk)

    return this.#take()
  }

  end(): DecodedChunk {
    this.#tokenizer.end()

    return this.#take()
  }

  #take(): DecodedChunk {
    const out = this.#out
    this.#out = emptyChunk()

    return out
  }

  #useColumns(header: readonly string[] | undefined): void {
    this.#header = header
    if (header === undefined) {
      this.#columnOf = this.#schema.fields.map((_, i) => i)
      this.#expected = this.#schema.length
      return
    }
    this.#expected = header.length
    const exact = new Map<string, number>()
    const lower = new Map<string, number>()
    header.forEach((h, i) => {
      if (!exact.has(h)) exact.set(h, i)
      if (!lower.has(h.toLowerCase())) lower.set(h.toLowerCase(), i)
    })
    this.#columnOf = this.#schema.fields.map((f) => exact.get(f.name) ?? lower.get(f.name.toLowerCase()) ?? -1)
    if (this.#schema.length > 0 && this.#columnOf.every((c) => c < 0)) {
      // Not bad data but a wrong declaration or file: every row would be NULLs, so stop here.
      throw new FerrisError('FERRIS_SCHEMA_MISMATCH', `None of the columns of ${this.#file} is a field of the schema`, {
        value: header.join(','),
        expected: `a header naming some of ${this.#schema.names.join(', ')}`,
        hint: 'Check the file has a header line (use format csv_no_header if it has none) and the delimiter is right',
      })
    }
  }

  record(fields: string[], quoted: boolean[], start: number, end: number, line: number): void {
    if (this.#awaitingHeader) {
      this.#awaitingHeader = false
      this.#useColumns(fields.map((f) => f.trim()))
      return
    }
    if (fields.length !== this.#expected) {
      this.#bad(
        start,
        end,
        line,
        new FerrisError(
          'FERRIS_RECORD_MALFORMED',
          `The record has ${fields.length} field${fields.length === 1 ? '' : 's'} but ${this.#hasHeader ? 'the header has' : 'the schema has'} ${this.#expected}`,
          {
            value: fields.length,
            expected: `${this.#expected} fields separated by the delimiter`,
            hint: 'Check the delimiter and quoting of this line',
          },
        ),
      )
      return
    }
    const types = this.#types
    const cells = this.#cells
    const columnOf = this.#columnOf
    const row: Row = new Array(types.length)
    for (let i = 0; i < types.length; i++) {
      const c = columnOf[i]!
      if (c < 0) {
        row[i] = null
      } else {
        const text = fields[c]!
        try {
          row[i] = cells[i]!(text, quoted[c]!)
        } catch (error) {
          const name = this.#schema.fields[i]!.name
          this.#bad(start, end, line, cellError(error, name, text, types[i]!))
          return
        }
      }
      if (row[i] === null && !this.#nullable[i]) {
        const name = this.#schema.fields[i]!.name
        this.#bad(
          start,
          end,
          line,
          new FerrisError(
            'FERRIS_RECORD_MALFORMED',
            `Column "${name}" is NOT NULL but the record has no value for it`,
            {
              subject: name,
              value: c < 0 ? '(column missing from the file)' : fields[c],
              hint:
                c < 0
                  ? `Add a "${name}" column to the file or declare the field nullable`
                  : 'Declare the field nullable',
            },
          ),
        )
        return
      }
    }
    const out = this.#out
    out.rows.push(row)
    out.ends.push(end)
    out.lines.push(line)
    out.starts.push(start)
    out.endLines.push(this.#tokenizer.line)
  }

  malformed(message: string, start: number, end: number, line: number, raw: string): void {
    this.#out.bad.push(this.#badRecord(start, end, line, raw, new FerrisError('FERRIS_RECORD_MALFORMED', message)))
  }

  #bad(start: number, end: number, line: number, error: FerrisError): void {
    this.#out.bad.push(this.#badRecord(start, end, line, this.#tokenizer.lastRaw(), error))
  }

  #badRecord(start: number, end: number, line: number, raw: string, error: FerrisError): DecodeBadRecord {
    const located = new FerrisError(error.code, `${error.message} (${this.#file}, line ${line}, byte ${start})`, {
      ...error.context,
      location: { file: this.#file, line, byte: start },
      cause: error.cause,
    })

    return {
      index: this.#out.rows.length,
      file: this.#file,
      line,
      byte: start,
      end,
      endLine: this.#tokenizer.line,
      raw: cutRaw(raw),
      error: located,
    }
  }
}

/**
 * Reads the header of a CSV file from the start of its bytes: what a reader resuming past the header needs.
 * Stops consuming `chunks` as soon as the first record is complete. Undefined for an empty file.
 */
export async function readCsvHeader(
  chunks: AsyncIterable<Uint8Array>,
  options: CsvDialectOptions & { readonly maxRecordBytes?: number } = {},
): Promise<string[] | undefined> {
  let header: string[] | undefined
  let problem: string | undefined
  const tokenizer = new CsvTokenizer(
    csvDialect(options),
    {
      record(fields) {
        header ??= fields.map((f) => f.trim())
      },
      malformed(message) {
        problem ??= message
      },
    },
    0,
    1,
    options.maxRecordBytes,
  )
  for await (const chunk of chunks) {
    tokenizer.push(chunk)
    if (header !== undefined || problem !== undefined) break
  }
  if (header === undefined && problem === undefined) tokenizer.end()
  if (header === undefined && problem !== undefined) {
    throw new FerrisError('FERRIS_RECORD_MALFORMED', `The CSV header cannot be read: ${problem}`, {
      hint: 'Fix the first line of the file',
    })
  }

  return header
}
