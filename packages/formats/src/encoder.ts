import type { RecordBatch } from '@ferris/core'

/**
 * Turns batches into the bytes of one file or object. A file is `begin()`, any number of `encode()`, then
 * `end()`; each returns bytes to append in order. Encoders hold no rows, so memory does not grow with a file.
 */
export interface RecordEncoder {
  /** Bytes that open a file: a CSV header line, `[` of a JSON array. */
  begin(): Uint8Array
  encode(batch: RecordBatch): Uint8Array
  /** Bytes that close a file: `]` of a JSON array. */
  end(): Uint8Array
}

export const NO_BYTES = new Uint8Array(0)

export function utf8(text: string): Uint8Array {
  return text === '' ? NO_BYTES : Buffer.from(text, 'utf8')
}
