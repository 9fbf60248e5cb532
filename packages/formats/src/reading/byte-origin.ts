import type { RandomAccessInput } from '../io.js'

/** A random-access input that holds a handle or connection until it is closed. */
export interface ClosableInput extends RandomAccessInput {
  close(): Promise<void>
}

/**
 * Where a source's bytes come from: a local file or an object in a store. Format readers use it to stream
 * bytes from an offset (line formats) or to read by ranges (Parquet), so the decoding logic is shared.
 */
export interface ByteOrigin {
  /** For messages and bad-record positions: a path or `s3://bucket/key`. */
  readonly name: string
  /** The raw (still compressed) bytes from byte `start` to the current end. */
  bytes(start: number): AsyncGenerator<Uint8Array>
  /** The bytes read by ranges, for Parquet. */
  randomAccess(): ClosableInput
}
