import { FerrisError, type Schema } from '@ferris/core'
import { type Compression, compressionFor, stripCompressionExtension } from './compression/compression.js'
import { CsvDecoder } from './csv/csv-decoder.js'
import type { CsvDialectOptions } from './csv/csv-dialect.js'
import { CsvEncoder } from './csv/csv-encoder.js'
import type { DecoderOptions, RecordDecoder } from './decoder.js'
import type { RecordEncoder } from './encoder.js'
import { inferSchema } from './infer/infer-schema.js'
import { JsonArrayDecoder } from './json/json-array-decoder.js'
import { JsonArrayEncoder, JsonLinesEncoder } from './json/json-encoder.js'
import { JsonLinesDecoder } from './json/json-lines-decoder.js'

/** Formats read and written as a stream of records, where a byte offset is a resumable position. */
export type StreamFormatName = 'csv' | 'csv_no_header' | 'jsonl' | 'json'
/** Every format name a connector accepts, as the original FerrisStreams applications spell them. */
export type FormatName = StreamFormatName | 'parquet'

export const FORMAT_NAMES: readonly FormatName[] = ['csv', 'csv_no_header', 'jsonl', 'json', 'parquet']

/** Options of the stream formats; each format reads the ones it knows. */
export interface StreamFormatOptions extends CsvDialectOptions {
  /** CSV: the first record names the columns. `csv` defaults to true, `csv_no_header` is always false. */
  readonly hasHeader?: boolean
  /** CSV: unquoted text read and written as NULL (default empty). */
  readonly nullMarker?: string
  /** CSV: a longer record is bad and skipped to the next line (default 16 MiB). */
  readonly maxRecordBytes?: number
  /** CSV: the column names when resuming past the header (see `needsHeader`). */
  readonly header?: readonly string[]
}

export interface StreamFormat {
  readonly name: StreamFormatName
  /** True when a decoder that starts past offset 0 needs the header read again from the start (`readCsvHeader`). */
  needsHeader(options: StreamFormatOptions): boolean
  createDecoder(options: DecoderOptions & StreamFormatOptions): RecordDecoder
  createEncoder(schema: Schema, options?: StreamFormatOptions): RecordEncoder
  inferSchema(
    chunks: AsyncIterable<Uint8Array>,
    options?: StreamFormatOptions & { readonly sampleSize?: number },
  ): Promise<Schema | undefined>
  /** The usual file extension, without a dot. */
  readonly extension: string
}

function csvFormat(name: 'csv' | 'csv_no_header'): StreamFormat {
  const header = (o: StreamFormatOptions) => name === 'csv' && (o.hasHeader ?? true)

  return {
    name,
    extension: 'csv',
    needsHeader: header,
    createDecoder: (o) => new CsvDecoder({ ...o, hasHeader: header(o) }),
    createEncoder: (schema, o = {}) => new CsvEncoder(schema, { ...o, header: header(o) }),
    inferSchema: (chunks, o = {}) => inferSchema(chunks, name, { ...o, hasHeader: header(o) }),
  }
}

const FORMATS: Readonly<Record<StreamFormatName, StreamFormat>> = {
  csv: csvFormat('csv'),
  csv_no_header: csvFormat('csv_no_header'),
  jsonl: {
    name: 'jsonl',
    extension: 'jsonl',
    needsHeader: () => false,
    createDecoder: (o) => new JsonLinesDecoder(o),
    createEncoder: (schema) => new JsonLinesEncoder(schema),
    inferSchema: (chunks, o = {}) => inferSchema(chunks, 'jsonl', o),
  },
  json: {
    name: 'json',
    extension: 'json',
    needsHeader: () => false,
    createDecoder: (o) => new JsonArrayDecoder(o),
    createEncoder: (schema) => new JsonArrayEncoder(schema),
    inferSchema: (chunks, o = {}) => inferSchema(chunks, 'json', o),
  },
}

const EXTENSIONS: Readonly<Record<string, FormatName>> = {
  csv: 'csv',
  tsv: 'csv',
  txt: 'csv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json',
  parquet: 'parquet',
  pq: 'parquet',
}

export interface FormatLookup {
  readonly name: FormatName
  /** From the extension of a path (`.gz`, `.zst`); `none` for a format name. */
  readonly compression: Compression
  /** The stream format, absent for Parquet (read by ranges, see the Parquet module). */
  readonly stream?: StreamFormat
}

/**
 * Finds a format by name (`csv`, `csv_no_header`, `jsonl`, `json`, `parquet`) or from a path's extension
 * (`data.csv.gz` → csv with gzip; `.tsv` → csv, whose delimiter the caller sets; `.ndjson` → jsonl).
 * Throws FERRIS_CONFIG_INVALID listing the accepted names when neither fits.
 */
export function formatFor(nameOrPath: string, subject = 'format'): FormatLookup {
  const key = nameOrPath.trim().toLowerCase()
  if ((FORMAT_NAMES as readonly string[]).includes(key)) return lookup(key as FormatName, 'none')
  const compression = compressionFor(key)
  const ext = /\.([a-z0-9]+)$/.exec(stripCompressionExtension(key))?.[1]
  const name = ext === undefined ? undefined : EXTENSIONS[ext]
  if (name === undefined) {
    throw new FerrisError('FERRIS_CONFIG_INVALID', `Cannot tell the format of ${JSON.stringify(nameOrPath)}`, {
      subject,
      value: nameOrPath,
      expected: `one of ${FORMAT_NAMES.join(', ')}, or a path ending in .csv, .tsv, .jsonl, .ndjson, .json or .parquet (optionally .gz or .zst)`,
      hint: `Set the format option, e.g. '${subject}' = 'csv'`,
    })
  }

  return lookup(name, compression)
}

/** The stream format of a name; throws for Parquet and unknown names. */
export function streamFormat(name: StreamFormatName): StreamFormat {
  return FORMATS[name]
}

function lookup(name: FormatName, compression: Compression): FormatLookup {
  return name === 'parquet' ? { name, compression } : { name, compression, stream: FORMATS[name] }
}

/** The extension a written file gets: `.tsv` for a tab-separated CSV. */
export function extensionFor(name: FormatName, options: StreamFormatOptions = {}): string {
  if (name === 'parquet') return 'parquet'
  if ((name === 'csv' || name === 'csv_no_header') && (options.delimiter === '\t' || options.delimiter === '\\t'))
    return 'tsv'

  return FORMATS[name].extension
}
