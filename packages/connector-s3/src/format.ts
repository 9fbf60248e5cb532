import {
  type Compression,
  compressionFor,
  type FormatLookup,
  formatFor,
  type StreamFormatOptions,
} from '@ferris/formats'
import type { S3Options } from './options.js'

/** The format, compression and stream-format options that apply to one object. */
export interface ObjectFormat {
  readonly lookup: FormatLookup
  readonly compression: Compression
  readonly streamOptions: StreamFormatOptions
}

/**
 * `format` wins over the extension; `compression` other than `auto` wins over the extension.
 *
 * Limitation: the file connector maps the same option names in its own `fileFormat`; the mapping from
 * connector options to `StreamFormatOptions` belongs in @ferris/formats so the two cannot drift apart.
 */
export function objectFormat(options: S3Options, key: string, subject: string): ObjectFormat {
  const lookup =
    options.format !== undefined ? formatFor(options.format, `${subject}.format`) : formatFor(key, `${subject}.format`)
  const compression: Compression =
    options.compression === 'auto' ? compressionFor(key) : (options.compression as Compression)
  const tsv = /\.tsv(\.(gz|zst|zstd|gzip))?$/i.test(key)
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
