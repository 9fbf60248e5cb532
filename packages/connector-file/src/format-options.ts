import {
  type Compression,
  compressionFor,
  type FormatLookup,
  formatFor,
  type StreamFormatOptions,
} from '@ferris/formats'
import type { FileOptions } from './options.js'

/** The format, compression and stream-format options that apply to one file. */
export interface FileFormat {
  readonly lookup: FormatLookup
  readonly compression: Compression
  readonly streamOptions: StreamFormatOptions
}

/** `format` wins over the extension; `compression` other than auto wins over the extension. */
export function fileFormat(options: FileOptions, file: string, subject: string): FileFormat {
  const byPath = options.format === undefined ? formatFor(file, `${subject}.format`) : undefined
  const lookup = options.format !== undefined ? formatFor(options.format, `${subject}.format`) : byPath!
  const extCompression = compressionFor(file)
  const compression: Compression =
    options.compression === 'auto' ? extCompression : (options.compression as Compression)
  const tsv = /\.tsv(\.(gz|zst|zstd|gzip))?$/i.test(file)
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
