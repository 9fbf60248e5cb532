import { defineOptions } from '@ferris/core'
import { type Compression, compressionFor } from '../compression/compression.js'
import { type FormatLookup, formatFor, type StreamFormatOptions } from '../stream-format.js'

/**
 * The format options every file-like connector (local files, S3 objects) takes, with the same names, types,
 * defaults and aliases, so a job moves between `file://` and `s3://` by changing the URI. A connector
 * spreads these into its own `defineOptions`.
 */
export const FORMAT_OPTION_SPECS = defineOptions({
  format: {
    type: 'enum',
    values: ['csv', 'csv_no_header', 'jsonl', 'json', 'parquet'],
    doc: 'Record format. Guessed from the extension when absent (.csv/.tsv csv, .jsonl/.ndjson jsonl, .json json, .parquet parquet, optionally followed by .gz or .zst).',
  },
  has_headers: {
    type: 'boolean',
    default: true,
    aliases: ['header', 'has_header', 'headers'],
    doc: 'CSV: the first line names the columns (read: matched to fields by name; write: a header line is written).',
  },
  delimiter: {
    type: 'string',
    default: ',',
    doc: 'CSV: field delimiter, one ASCII character; `\\t` for tabs (the default for .tsv files).',
  },
  quote: { type: 'string', default: '"', doc: 'CSV: quote character; empty turns quoting off.' },
  escape: {
    type: 'string',
    doc: 'CSV: escapes a quote inside a quoted field. Default: the quote itself (a doubled quote, RFC 4180); `\\` for backslash escapes.',
  },
  null_marker: {
    type: 'string',
    default: '',
    aliases: ['null_value'],
    doc: 'CSV: unquoted text that is NULL (read and write). Default: an empty field. An empty field is NULL for every non-string column whatever the marker; a quoted field is never NULL.',
  },
  /** Connectors word the doc themselves: what `auto` writes differs between a file path and a key prefix. */
  compression: {
    type: 'enum',
    values: ['auto', 'none', 'gzip', 'zstd'],
    default: 'auto',
    doc: 'Source: gzip or zstd input, `auto` from the extension (.gz, .zst).',
  },
  batch_size: {
    type: 'integer',
    min: 1,
    max: 1_000_000,
    doc: 'Source: records per batch; default: what the job asks for.',
  },
  sample_size: {
    type: 'integer',
    default: 1000,
    min: 1,
    doc: 'Source: records read from the first file or object to infer a schema when none is declared.',
  },
  max_record_bytes: {
    type: 'size',
    default: 16 * 1024 * 1024,
    doc: 'Source: a CSV record longer than this (usually an unclosed quote) is reported bad and skipped to the next line, bounding memory.',
  },
  parquet_compression: {
    type: 'enum',
    values: ['zstd', 'snappy', 'gzip', 'none'],
    default: 'zstd',
    doc: 'Sink, Parquet: page compression.',
  },
  row_group_size: {
    type: 'integer',
    min: 1,
    doc: 'Sink, Parquet: rows per row group (default 122 880); memory while writing grows with it.',
  },
})

/**
 * The sink options that cut output into parts and name them. Connectors keep the names, types and aliases
 * and word the docs for what a part is to them (a file in a directory, an object under a prefix).
 */
export const PART_OPTION_SPECS = defineOptions({
  max_records: {
    type: 'integer',
    min: 1,
    aliases: ['rolling_max_records', 'rolling.max_records'],
    doc: 'Sink: start a new part after this many records.',
  },
  max_bytes: {
    type: 'size',
    aliases: ['rolling_max_bytes', 'rolling.max_bytes', 'max_file_size'],
    doc: 'Sink: start a new part once one holds this many bytes.',
  },
  max_age: {
    type: 'duration',
    aliases: ['rolling_max_age', 'rolling.max_age', 'rollover_interval'],
    doc: 'Sink: start a new part once one has been open this long (`15m`).',
  },
  partition_by: {
    type: 'list',
    aliases: ['partition_columns'],
    doc: 'Sink: columns whose values name partitions, Hive style (`dt=2024-01-01/region=eu/`).',
  },
  file_prefix: {
    type: 'string',
    default: 'part',
    pattern: /^[A-Za-z0-9_.-]+$/,
    doc: 'Sink: the name parts start with.',
  },
})

/** The option values `formatOf` reads (a connector's own option values satisfy it). */
export interface FormatOptionValues {
  readonly format?: string | undefined
  readonly compression: string
  readonly has_headers: boolean
  readonly delimiter: string
  readonly quote: string
  readonly escape?: string | undefined
  readonly null_marker: string
  readonly max_record_bytes: number
}

/** The format, compression and stream-format options that apply to one file or object. */
export interface ResolvedFormat {
  readonly lookup: FormatLookup
  readonly compression: Compression
  readonly streamOptions: StreamFormatOptions
}

/**
 * What format one file or object (`name`, a path or key) is read or written in. `format` wins over the
 * extension; `compression` other than `auto` wins over the extension; a `.tsv` name turns the default `,`
 * delimiter into a tab.
 */
export function formatOf(options: FormatOptionValues, name: string, subject: string): ResolvedFormat {
  const lookup =
    options.format !== undefined ? formatFor(options.format, `${subject}.format`) : formatFor(name, `${subject}.format`)
  const compression: Compression =
    options.compression === 'auto' ? compressionFor(name) : (options.compression as Compression)
  const tsv = /\.tsv(\.(gz|zst|zstd|gzip))?$/i.test(name)
  const streamOptions: StreamFormatOptions = {
    hasHeader: options.has_headers,
    delimiter: tsv && options.delimiter === ',' ? '\t' : options.delimiter,
    quote: options.quote,
    ...(options.escape === undefined ? {} : { escape: options.escape }),
    nullMarker: options.null_marker,
    maxRecordBytes: options.max_record_bytes,
  }

  return { lookup, compression, streamOptions }
}
