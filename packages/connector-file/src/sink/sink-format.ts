import { FerrisError, type Schema } from '@ferris/core'
import { type Compression, extensionFor, type RecordEncoder } from '@ferris/formats'
import { fileFormat } from '../format-options.js'
import type { FileOptions } from '../options.js'

/** What a writer needs to know about the format it writes. */
export interface SinkFormat {
  readonly name: string
  readonly compression: Compression
  /** Extension of part files, e.g. `csv.gz`. */
  readonly extension: string
  createEncoder(schema: Schema): RecordEncoder
}

export function sinkFormat(options: FileOptions, target: string, subject: string): SinkFormat {
  if (options.format === undefined && !/\.[A-Za-z0-9]+$/.test(target.replace(/[\\/]+$/, ''))) {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `Sink "${subject}" writes to the directory ${target} but names no format`,
      {
        subject: `${subject}.format`,
        expected: 'csv, csv_no_header, jsonl, json or parquet',
        hint: `Add '${subject}.format' = 'csv' (or jsonl, json, parquet)`,
      },
    )
  }
  const f = fileFormat(options, target, subject)
  const stream = f.lookup.stream
  if (stream === undefined) {
    // Limitation: the Parquet writer of @ferris/formats is not wired into the file sink yet.
    throw new FerrisError(
      'FERRIS_UNSUPPORTED',
      `Writing ${f.lookup.name} files is not supported by this version of the file sink`,
      {
        subject: `${subject}.format`,
        value: f.lookup.name,
        expected: 'csv, csv_no_header, jsonl or json',
      },
    )
  }
  if (f.compression === 'zstd') {
    throw new FerrisError('FERRIS_UNSUPPORTED', `The file sink cannot write zstd (${target})`, {
      subject: `${subject}.compression`,
      value: 'zstd',
      expected: 'none or gzip',
      hint: 'Use gzip, or write uncompressed files',
    })
  }
  const base = extensionFor(f.lookup.name, f.streamOptions)

  return {
    name: f.lookup.name,
    compression: f.compression,
    extension: f.compression === 'gzip' ? `${base}.gz` : base,
    createEncoder: (schema) => stream.createEncoder(schema, f.streamOptions),
  }
}
