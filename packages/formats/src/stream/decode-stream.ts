import type { DecodedChunk, RecordDecoder } from '../decoder.js'

/**
 * Feeds a byte stream to a decoder and yields what each chunk completes, then the end: how a connector reads
 * a file or an object with any stream format. `skip` bytes at the start are dropped first (resuming inside
 * a compressed file, where offsets count decompressed bytes).
 */
export async function* decodeStream(
  chunks: AsyncIterable<Uint8Array>,
  decoder: RecordDecoder,
  skip = 0,
): AsyncGenerator<DecodedChunk> {
  let toSkip = skip
  for await (const chunk of chunks) {
    let c = chunk
    if (toSkip > 0) {
      if (c.length <= toSkip) {
        toSkip -= c.length
        continue
      }
      c = c.subarray(toSkip)
      toSkip = 0
    }
    const out = decoder.push(c)
    if (out.rows.length > 0 || out.bad.length > 0) yield out
  }
  yield decoder.end()
}
