import { type FileHandle, open } from 'node:fs/promises'
import type { RandomAccessInput } from '@ferris/formats'
import { ioError } from './read-bytes.js'

/** A local file read by ranges (Parquet reads its footer first, then the row groups it needs). */
export class LocalFileInput implements RandomAccessInput {
  readonly name: string
  #handle: Promise<FileHandle> | undefined

  constructor(path: string) {
    this.name = path
  }

  #open(): Promise<FileHandle> {
    this.#handle ??= open(this.name, 'r').catch((error) => {
      throw ioError(error, this.name)
    })

    return this.#handle
  }

  async size(): Promise<number> {
    return (await (await this.#open()).stat()).size
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const buf = Buffer.allocUnsafe(length)
    let filled = 0
    const h = await this.#open()
    while (filled < length) {
      const { bytesRead } = await h.read(buf, filled, length - filled, offset + filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }

    return buf.subarray(0, filled)
  }

  async close(): Promise<void> {
    const h = this.#handle
    this.#handle = undefined
    if (h !== undefined) await (await h.catch(() => undefined))?.close()
  }
}
