import { defineOptions, type OptionValues } from '@ferris/core'

/** Every option of the file connector; source and sink read the ones that concern them. */
export const fileOptions = defineOptions({
  path: {
    type: 'string',
    required: true,
    doc: 'Source: a file, a directory (every file in it, recursively) or a glob (`data/*.csv`, `logs/**/*.jsonl.gz`). Sink: a file (`./totals.csv`: replaced on each commit with everything written so far) or a directory (`./out/`: one part file per commit and partition).',
    example: './data/readings.csv',
  },
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
  compression: {
    type: 'enum',
    values: ['auto', 'none', 'gzip', 'zstd'],
    default: 'auto',
    doc: 'Source: gzip or zstd input, `auto` from the extension (.gz, .zst). Sink: gzip output (`auto`: gzip when the path ends in .gz).',
  },
  watch: {
    type: 'boolean',
    default: false,
    aliases: ['follow', 'tail'],
    doc: 'Source: unbounded; keeps reading files as they grow and new files matching the path as they appear, like `tail -F`.',
  },
  poll_interval: { type: 'duration', default: 1000, doc: 'Source with watch: how often to look for new data.' },
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
    doc: 'Source: records read from the first file to infer a schema when none is declared.',
  },
  max_record_bytes: {
    type: 'size',
    default: 16 * 1024 * 1024,
    doc: 'Source: a CSV record longer than this (usually an unclosed quote) is reported bad and skipped to the next line, bounding memory.',
  },
  max_records: {
    type: 'integer',
    min: 1,
    aliases: ['rolling_max_records', 'rolling.max_records'],
    doc: 'Sink (directory): start a new part file after this many records.',
  },
  max_bytes: {
    type: 'size',
    aliases: ['rolling_max_bytes', 'rolling.max_bytes', 'max_file_size'],
    doc: 'Sink (directory): start a new part file once one holds this many bytes (`64mb`).',
  },
  max_age: {
    type: 'duration',
    aliases: ['rolling_max_age', 'rolling.max_age', 'rollover_interval'],
    doc: 'Sink (directory): start a new part file once one has been open this long (`15m`). Files are still published only at commit.',
  },
  partition_by: {
    type: 'list',
    aliases: ['partition_columns'],
    doc: 'Sink: columns whose values name sub-directories, Hive style (`dt=2024-01-01/region=eu/`). The columns stay in the files too. Needs a directory path.',
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
  file_prefix: {
    type: 'string',
    default: 'part',
    pattern: /^[A-Za-z0-9_.-]+$/,
    doc: 'Sink (directory): the name part files start with.',
  },
})

export type FileOptions = OptionValues<typeof fileOptions>
