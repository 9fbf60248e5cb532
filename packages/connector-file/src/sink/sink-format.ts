import { FerrisError, type Schema } from '@ferris/core'
import { type Compression, extensionFor, formatOf, type ParquetCompression, type RecordEncoder } from '@ferris/formats'
import type { FileOptions } from '../options.js'
import { type PartEncoder, parquetPart, streamPart } from './part-encoder.js'
import type { TempFile } from './temp-file.js'

/** What a writer needs to know about the format it writes. */
export interface SinkFormat {
  readonly name: string
  readonly compression: Compression
  /** Extension of part files, e.g. `csv.gz`. */
  readonly extension: string
  /** The stream encoder, absent for Parquet. */
  readonly createEncoder?: (schema: Schema) => RecordEncoder
  /** Starts one output file in `temp`. */
  openPart(schema: Schema, temp: TempFile): Promise<PartEncoder>
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
  const f = formatOf(options, target, subject)
  if (f.compression === 'zstd') {
    throw new FerrisError('FERRIS_UNSUPPORTED', `The file sink cannot write zstd (${target})`, {
      subject: `${subject}.compression`,
      value: 'zstd',
      expected: 'none or gzip',
      hint: 'Use gzip, or write uncompressed files',
    })
  }
  const stream = f.lookup.stream
  if (stream === undefined) {
    if (f.compression !== 'none') {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `Parquet files compress their pages themselves; ${target} asks for ${f.compression} around the file`,
        {
          subject: `${subject}.compression`,
          value: f.compression,
          hint: `Set '${subject}.parquet_compression' instead and drop the .gz extension`,
        },
      )
    }
    const parquet = {
      compression: options.parquet_compression as ParquetCompression,
      ...(options.row_group_size === undefined ? {} : { rowGroupSize: options.row_group_size }),
    }

    return {
      name: 'parquet',
      compression: 'none',
      extension: 'parquet',
      openPart: (schema, temp) => parquetPart(schema, temp, parquet),
    }
  }
  const base = extensionFor(f.lookup.name, f.streamOptions)
  const createEncoder = (schema: Schema) => stream.createEncoder(schema, f.streamOptions)

  return {
    name: f.lookup.name,
    compression: f.compression,
    extension: f.compression === 'gzip' ? `${base}.gz` : base,
    createEncoder,
    openPart: async (schema, temp) => streamPart(createEncoder(schema), temp),
  }
}
