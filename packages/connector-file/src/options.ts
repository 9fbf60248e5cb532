import { defineOptions, type OptionValues } from '@ferris/core'
import { FORMAT_OPTION_SPECS, PART_OPTION_SPECS } from '@ferris/formats'

/** Every option of the file connector; source and sink read the ones that concern them. */
export const fileOptions = defineOptions({
  path: {
    type: 'string',
    required: true,
    doc: 'Source: a file, a directory (every file in it, recursively) or a glob (`data/*.csv`, `logs/**/*.jsonl.gz`). Sink: a file (`./totals.csv`: replaced on each commit with everything written so far) or a directory (`./out/`: one part file per commit and partition).',
    example: './data/readings.csv',
  },
  format: FORMAT_OPTION_SPECS.format,
  has_headers: FORMAT_OPTION_SPECS.has_headers,
  delimiter: FORMAT_OPTION_SPECS.delimiter,
  quote: FORMAT_OPTION_SPECS.quote,
  escape: FORMAT_OPTION_SPECS.escape,
  null_marker: FORMAT_OPTION_SPECS.null_marker,
  compression: {
    ...FORMAT_OPTION_SPECS.compression,
    doc: 'Source: gzip or zstd input, `auto` from the extension (.gz, .zst). Sink: gzip output (`auto`: gzip when the path ends in .gz).',
  },
  watch: {
    type: 'boolean',
    default: false,
    aliases: ['follow', 'tail'],
    doc: 'Source: unbounded; keeps reading files as they grow and new files matching the path as they appear, like `tail -F`.',
  },
  poll_interval: { type: 'duration', default: 1000, doc: 'Source with watch: how often to look for new data.' },
  batch_size: FORMAT_OPTION_SPECS.batch_size,
  sample_size: FORMAT_OPTION_SPECS.sample_size,
  max_record_bytes: FORMAT_OPTION_SPECS.max_record_bytes,
  max_records: {
    ...PART_OPTION_SPECS.max_records,
    doc: 'Sink (directory): start a new part file after this many records.',
  },
  max_bytes: {
    ...PART_OPTION_SPECS.max_bytes,
    doc: 'Sink (directory): start a new part file once one holds this many bytes (`64mb`).',
  },
  max_age: {
    ...PART_OPTION_SPECS.max_age,
    doc: 'Sink (directory): start a new part file once one has been open this long (`15m`). Files are still published only at commit.',
  },
  partition_by: {
    ...PART_OPTION_SPECS.partition_by,
    doc: 'Sink: columns whose values name sub-directories, Hive style (`dt=2024-01-01/region=eu/`). The columns stay in the files too. Needs a directory path.',
  },
  parquet_compression: FORMAT_OPTION_SPECS.parquet_compression,
  row_group_size: FORMAT_OPTION_SPECS.row_group_size,
  file_prefix: { ...PART_OPTION_SPECS.file_prefix, doc: 'Sink (directory): the name part files start with.' },
})

export type FileOptions = OptionValues<typeof fileOptions>
