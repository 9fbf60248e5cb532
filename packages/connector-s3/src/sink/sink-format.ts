import { FerrisError, type RecordBatch, type Schema } from '@ferris/core'
import {
  type ByteOutput,
  type Compression,
  compressChunk,
  createParquetWriter,
  extensionFor,
  formatOf,
  type ParquetCompression,
} from '@ferris/formats'
import type { S3Options } from '../options.js'

/** Writes the rows of one object, start to end, into a ByteOutput. */
export interface PartEncoder {
  write(batch: RecordBatch): Promise<void>
  /** Writes what closes the object (a JSON array's bracket, a Parquet footer). */
  end(): Promise<void>
  /** Rows accepted so far. */
  kept(): number
}

export interface SinkFormat {
  readonly name: string
  /** Extension of objects, e.g. `csv.gz`. */
  readonly extension: string
  open(schema: Schema, out: ByteOutput): Promise<PartEncoder>
}

/** The format objects are written in: the `format` option, else the extension of `path`. */
export function sinkFormat(options: S3Options, subject: string): SinkFormat {
  if (options.format === undefined && !/\.[A-Za-z0-9]+$/.test(options.path)) {
    throw new FerrisError('FERRIS_CONFIG_INVALID', `Sink "${subject}" names no format`, {
      subject: `${subject}.format`,
      expected: 'csv, csv_no_header, jsonl, json or parquet',
      hint: `Add '${subject}.format' = 'parquet' (or csv, jsonl, json), or ?format=parquet to the URI`,
    })
  }
  const f = formatOf(options, options.path, subject)
  const compression: Compression = f.compression
  if (compression === 'zstd') {
    throw new FerrisError('FERRIS_UNSUPPORTED', `The S3 sink cannot write zstd objects`, {
      subject: `${subject}.compression`,
      value: 'zstd',
      expected: 'none or gzip',
      hint: 'Use gzip, or write uncompressed objects',
    })
  }
  const stream = f.lookup.stream
  if (stream === undefined) {
    if (compression !== 'none') {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `Parquet objects compress their pages themselves; ${subject} asks for ${compression} around them`,
        {
          subject: `${subject}.compression`,
          value: compression,
          hint: `Set '${subject}.parquet_compression' instead`,
        },
      )
    }
    const parquet = {
      compression: options.parquet_compression as ParquetCompression,
      createdBy: 'ferris @ferris/connector-s3',
      ...(options.row_group_size === undefined ? {} : { rowGroupSize: options.row_group_size }),
    }

    return {
      name: 'parquet',
      extension: 'parquet',
      async open(schema, out) {
        const writer = await createParquetWriter(schema, out, parquet)
        return {
          write: (batch) => writer.write(batch),
          async end() {
            await writer.finish()
          },
          kept: () => writer.rows,
        }
      },
    }
  }
  const base = extensionFor(f.lookup.name, f.streamOptions)

  return {
    name: f.lookup.name,
    extension: compression === 'gzip' ? `${base}.gz` : base,
    async open(schema, out) {
      const encoder = stream.createEncoder(schema, f.streamOptions)
      await out.write(compressChunk(encoder.begin(), compression))
      let kept = 0
      return {
        async write(batch) {
          // encode() builds the whole batch's bytes before anything is written: all or nothing.
          const bytes = encoder.encode(batch)
          kept += batch.rows.length
          await out.write(compressChunk(bytes, compression))
        },
        end: () => out.write(compressChunk(encoder.end(), compression)),
        kept: () => kept,
      }
    },
  }
}
