import { FerrisError } from '@ferris/core'
import type * as ParquetWasm from 'parquet-wasm'

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
