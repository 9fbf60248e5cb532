import { GetObjectCommand } from '@aws-sdk/client-s3'
import type { RandomAccessInput } from '@ferris/formats'
import type { S3Env } from '../s3-env.js'

/** Bytes fetched from the end of the object with the first request: the footer of most Parquet files. */
export const TAIL_BYTES = 64 * 1024

/**
 * An object read by ranged GETs, for Parquet. The first request is a suffix range (`bytes=-65536`): its
 * `Content-Range` gives the size, and its bytes hold the footer (and its length), so opening a file costs one
 * request instead of HEAD plus two GETs. Later reads are `bytes=<from>-<to>` for the column chunks needed;
 * reads that fall inside the cached tail are served from it.
 */
export class S3Input implements RandomAccessInput {
  readonly name: string
  readonly #env: S3Env
  readonly #key: string
  readonly #etag: string | undefined
  #size: number | undefined
  #tail: Uint8Array | undefined
  #tailStart = 0
  /** Requests sent, for tests and metrics. */
  requests = 0

  constructor(env: S3Env, key: string, etag?: string) {
    this.#env = env
    this.#key = key
    this.#etag = etag
    this.name = env.uri(key)
  }

  async size(): Promise<number> {
    if (this.#size === undefined) await this.#fetchTail()

    return this.#size!
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const size = await this.size()
    const end = Math.min(offset + length, size)
    if (end <= offset) return new Uint8Array(0)
    if (this.#tail !== undefined && offset >= this.#tailStart) {
      return this.#tail.subarray(offset - this.#tailStart, end - this.#tailStart)
    }

    return this.#get(`bytes=${offset}-${end - 1}`).then((r) => r.bytes)
  }

  async close(): Promise<void> {
    this.#tail = undefined
  }

  async #fetchTail(): Promise<void> {
    const { bytes, total } = await this.#get(`bytes=-${TAIL_BYTES}`)
    this.#size = total ?? bytes.length
    this.#tail = bytes
    this.#tailStart = this.#size - bytes.length
  }

  async #get(range: string): Promise<{ bytes: Uint8Array; total: number | undefined }> {
    this.requests++

    return this.#env.call('read range', this.#key, async (abortSignal) => {
      const res = await this.#env.client.send(
        new GetObjectCommand({
          Bucket: this.#env.bucket,
          Key: this.#key,
          Range: range,
          ...(this.#etag === undefined ? {} : { IfMatch: this.#etag }),
        }),
        { abortSignal },
      )
      const bytes: Uint8Array = await res.Body.transformToByteArray()
      const total = /\/(\d+)$/.exec(res.ContentRange ?? '')?.[1]

      return { bytes, total: total === undefined ? undefined : Number(total) }
    })
  }
}
