/** Bytes as an error shows them: `0x` and the hex of the first `max`, with `…` when there are more. */
export function bytesPreview(bytes: Uint8Array, max = 32): string {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, max)).toString('hex')

  return `0x${head}${bytes.byteLength > max ? '…' : ''}`
}
