import { Readable } from 'node:stream'
import { createGunzip, gzipSync } from 'node:zlib'
import { FerrisError } from '@ferris/core'
import { Decompress } from 'fzstd'

export type Compression = 'none' | 'gzip' | 'zstd'

export const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'zstd']

/** The compression a file name says: `.gz`/`.gzip` gzip, `.zst`/`.zstd` zstd, otherwise none. */
export function compressionFor(path: string): Compression {
  const lower = path.toLowerCase()
  if (lower.endsWith('.gz') || lower.endsWith('.gzip')) return 'gzip'
  if (lower.endsWith('.zst') || lower.endsWith('.zstd')) return 'zstd'

  return 'none'
}

/** The name without its compression extension: `a.csv.gz` → `a.csv`. */
export function stripCompressionExtension(path: string): string {
  return path.replace(/\.(gz|gzip|zst|zstd)$/i, '')
}

/**
 * Decompresses a byte stream chunk by chunk, so memory stays bounded whatever the file size. Gzip files
 * made of several members (what `cat a.gz b.gz` gives) are read whole.
 */
export async function* decompress(
  chunks: AsyncIterable<Uint8Array>,
  compression: Compression,
  name = 'input',
): AsyncGenerator<Uint8Array> {
  if (compression === 'none') {
    yield* chunks
    return
  }
  if (compression === 'gzip') {
    const gunzip = Readable.from(chunks).pipe(createGunzip())
    try {
      for await (const chunk of gunzip) yield chunk as Uint8Array
    } catch (error) {
      throw new FerrisError('FERRIS_RECORD_MALFORMED', `${name} is not valid gzip: ${(error as Error).message}`, {
        subject: name,
        hint: 'Check the file is gzip-compressed, or set compression to none',
        cause: error,
      })
    }
    return
  }
  let out: Uint8Array[] = []
  const zstd = new Decompress((chunk) => {
    out.push(chunk)
  })
  try {
    for await (const chunk of chunks) {
      zstd.push(chunk)
      const ready = out
      out = []
      yield* ready
    }
    zstd.push(new Uint8Array(0), true)
  } catch (error) {
    throw new FerrisError('FERRIS_RECORD_MALFORMED', `${name} is not valid zstd: ${(error as Error).message}`, {
      subject: name,
      hint: 'Check the file is zstd-compressed, or set compression to none',
      cause: error,
    })
  }
  yield* out
}

/**
 * Compresses bytes for appending to a file. Gzip only: each call makes one gzip member, and concatenated
 * members are one valid gzip file, so a file can be written, cut at a member boundary and appended to.
 */
export function compressChunk(bytes: Uint8Array, compression: Compression): Uint8Array {
  if (compression === 'none' || bytes.length === 0) return bytes
  if (compression === 'gzip') return gzipSync(bytes)

  // Limitation: writing zstd needs a zstd encoder; Node 20's zlib has none and fzstd only decompresses.
  throw new FerrisError('FERRIS_UNSUPPORTED', 'Writing zstd-compressed files is not supported yet', {
    value: compression,
    expected: 'none or gzip',
  })
}
