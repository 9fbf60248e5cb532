import { open } from 'node:fs/promises'
import type { ByteOutput, RandomAccessInput } from '../../src/io.js'

/** An input over bytes in memory that records every range read, to prove the reader reads by ranges. */
export function memoryInput(
  bytes: Uint8Array,
  name = 'memory.parquet',
): RandomAccessInput & { reads: Array<[number, number]> } {
  const reads: Array<[number, number]> = []

  return {
    name,
    reads,
    size: async () => bytes.byteLength,
    read: async (offset, length) => {
      reads.push([offset, length])

      return bytes.slice(offset, offset + length)
    },
  }
}

/** An input over a local file, read by ranges. */
export function fileInput(path: string): RandomAccessInput & { close(): Promise<void> } {
  const handle = open(path, 'r')

  return {
    name: path,
    size: async () => (await (await handle).stat()).size,
    read: async (offset, length) => {
      const buf = Buffer.alloc(length)
      const { bytesRead } = await (await handle).read(buf, 0, length, offset)

      return buf.subarray(0, bytesRead)
    },
    close: async () => (await handle).close(),
  }
}

/** Collects the bytes written, in order. */
export function memoryOutput(): ByteOutput & { bytes(): Uint8Array; chunks: number } {
  const parts: Uint8Array[] = []
  const out = {
    chunks: 0,
    write: async (chunk: Uint8Array) => {
      parts.push(chunk.slice())
      out.chunks++
    },
    bytes: () => Buffer.concat(parts),
  }

  return out
}

/** Writes to a local file. */
export async function fileOutput(path: string): Promise<ByteOutput & { close(): Promise<void> }> {
  const handle = await open(path, 'w')

  return {
    write: async (chunk) => {
      await handle.write(chunk)
    },
    close: () => handle.close(),
  }
}
