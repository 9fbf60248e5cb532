import { FerrisError } from '@ferris/core'
import type * as ParquetWasm from 'parquet-wasm'
import type { RandomAccessInput } from '../io.js'

export type ParquetWasmModule = typeof ParquetWasm

let loading: Promise<ParquetWasmModule> | undefined

/**
 * parquet-wasm compiles a 5 MB WebAssembly module when it is imported; loading it lazily keeps that cost off
 * programs that only read CSV or JSON.
 */
export function loadParquetWasm(): Promise<ParquetWasmModule> {
  loading ??= import('parquet-wasm').catch((cause: unknown) => {
    loading = undefined
    throw new FerrisError('FERRIS_INTERNAL', 'Cannot load parquet-wasm, the Parquet encoder and decoder', {
      cause,
      hint: 'check that the parquet-wasm package is installed next to @ferris/formats',
    })
  })

  return loading
}

/**
 * What parquet-wasm's `ParquetFile.fromFile` uses of a `Blob`: `size`, `slice(start, end)` and `arrayBuffer()`.
 * The glue code calls them structurally, so an input read by ranges (a local file, an S3 object) works
 * without ever holding the whole file: parquet-wasm reads the footer, then one range per row group.
 */
export interface BlobLike {
  readonly size: number
  slice(start?: number, end?: number): BlobLike
  arrayBuffer(): Promise<ArrayBuffer>
}

/**
 * The blob handed to parquet-wasm, and `failure()`: the error of the last read that failed. parquet-wasm turns a
 * JavaScript exception into text, so the caller rethrows this one to keep its code and context.
 */
export function inputAsBlob(input: RandomAccessInput, size: number): BlobLike & { failure(): unknown } {
  let failed: unknown
  const range = (start: number, end: number): BlobLike => ({
    size: end - start,
    slice(a = 0, b = end - start) {
      const from = start + clamp(a, end - start)

      return range(from, Math.max(from, start + clamp(b, end - start)))
    },
    async arrayBuffer() {
      const length = end - start
      let bytes: Uint8Array
      try {
        bytes = await input.read(start, length)
      } catch (error) {
        failed = error
        throw error
      }
      if (bytes.byteLength !== length) {
        failed = new FerrisError(
          'FERRIS_IO',
          `Short read from ${input.name}: ${bytes.byteLength} of ${length} bytes at ${start}`,
          {
            subject: input.name,
            location: { file: input.name, byte: start },
            hint: 'the file changed or was truncated while it was being read',
          },
        )
        throw failed
      }
      // A view over a larger buffer must be copied: parquet-wasm reads the whole ArrayBuffer it is given.
      // (Uint8Array's slice, because a Buffer's slice is a view, not a copy.)
      return bytes.byteOffset === 0 && bytes.buffer.byteLength === length
        ? (bytes.buffer as ArrayBuffer)
        : (Uint8Array.prototype.slice.call(bytes).buffer as ArrayBuffer)
    },
  })

  return { ...range(0, size), failure: () => failed }
}

/** Blob.slice semantics: negative positions count from the end. */
function clamp(pos: number, size: number): number {
  return pos < 0 ? Math.max(0, size + pos) : Math.min(pos, size)
}
