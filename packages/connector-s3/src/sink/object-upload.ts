import { randomUUID } from 'node:crypto'
import { type FileHandle, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { isFerrisError } from '@ferris/core'
import type { ByteOutput } from '@ferris/formats'
import type { S3Env } from '../s3-env.js'
import { headObject } from '../source/list-objects.js'

interface UploadedPart {
  readonly PartNumber: number
  readonly ETag: string
  readonly ChecksumCRC32?: string
}

/**
 * One object being written. Bytes are buffered up to `part_size`; then:
 * - when the object's final key is known, each full buffer is sent as a part of a multipart upload, which
 *   stays invisible until `complete` (called at commit) assembles it;
 * - when it is not known yet (before a writer's first commit, see `S3Writer`), full buffers are appended to
 *   a local spool file, uploaded at commit.
 * An object that never fills one part is sent at commit as one PUT. Every way of making the object visible
 * is conditional (`If-None-Match: *`), so completing a key that exists already leaves it as it is.
 * Memory: one part per open object (plus the part being sent).
 */
export class ObjectUpload implements ByteOutput {
  readonly #env: S3Env
  readonly key: string | undefined
  readonly #partSize: number
  readonly #spoolDir: string
  readonly openedAt = Date.now()
  /** Bytes written so far (after compression): what `max_bytes` rolls on. */
  size = 0
  records = 0
  /** Made visible by `complete`. */
  done = false
  #chunks: Uint8Array[] = []
  #buffered = 0
  #uploadId: string | undefined
  #uploadKey: string | undefined
  #parts: UploadedPart[] = []
  #spool: { path: string; handle: FileHandle; size: number } | undefined

  constructor(env: S3Env, key: string | undefined, partSize: number, spoolDir: string | undefined) {
    this.#env = env
    this.key = key
    this.#partSize = partSize
    this.#spoolDir = spoolDir ?? tmpdir()
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (chunk.length === 0) return
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
    this.size += chunk.length
    if (this.#buffered >= this.#partSize) await this.#flushPart()
  }

  /** Sends or spools the buffered bytes as one part. */
  async #flushPart(): Promise<void> {
    const body = this.#take()
    if (body.length === 0) return
    if (this.key === undefined) {
      if (this.#spool === undefined) {
        const path = join(this.#spoolDir, `.ferris-s3-${randomUUID()}.spool`)
        this.#spool = { path, handle: await open(path, 'wx+'), size: 0 }
      }
      await this.#spool.handle.write(body)
      this.#spool.size += body.length
      return
    }
    await this.#uploadPart(this.key, body)
  }

  #take(): Buffer {
    const body = Buffer.concat(this.#chunks, this.#buffered)
    this.#chunks = []
    this.#buffered = 0

    return body
  }

  async #uploadPart(key: string, body: Uint8Array): Promise<void> {
    const env = this.#env
    if (this.#uploadId === undefined) {
      const created = await env.call('create multipart upload', key, (abortSignal) =>
        env.client.send(
          new CreateMultipartUploadCommand({ Bucket: env.bucket, Key: key, ChecksumAlgorithm: 'CRC32' }),
          { abortSignal },
        ),
      )
      this.#uploadId = created.UploadId as string
      this.#uploadKey = key
    }
    const uploadId = this.#uploadId
    const partNumber = this.#parts.length + 1
    const res = await env.call('upload part', key, (abortSignal) =>
      env.client.send(
        new UploadPartCommand({
          Bucket: env.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
          ChecksumAlgorithm: 'CRC32',
        }),
        { abortSignal },
      ),
    )
    this.#parts.push({
      PartNumber: partNumber,
      ETag: res.ETag as string,
      ...(res.ChecksumCRC32 === undefined ? {} : { ChecksumCRC32: res.ChecksumCRC32 as string }),
    })
  }

  /**
   * Makes the object visible under `key`: the spool (if any) and the buffer are uploaded, then the multipart
   * upload is completed or the single PUT sent, with `If-None-Match: *`. An object that exists already
   * (a re-commit after a crash or a failed commit) is left as it is and counts as done.
   */
  async complete(key: string): Promise<void> {
    if (this.done) return
    const env = this.#env
    if (this.#spool !== undefined) {
      // The buffer goes to the end of the spool first, so every part but the last is a full part_size.
      const tail = this.#take()
      if (tail.length > 0) {
        await this.#spool.handle.write(tail, 0, tail.length, this.#spool.size)
        this.#spool.size += tail.length
      }
      const { handle, size } = this.#spool
      for (let at = 0; at < size; at += this.#partSize) {
        const n = Math.min(this.#partSize, size - at)
        const buf = Buffer.allocUnsafe(n)
        for (let filled = 0; filled < n; ) {
          const { bytesRead } = await handle.read(buf, filled, n - filled, at + filled)
          if (bytesRead === 0) throw new Error(`spool file ended at ${at + filled} of ${size} bytes`)
          filled += bytesRead
        }
        await this.#uploadPart(key, buf)
      }
      await this.#dropSpool()
    }
    try {
      if (this.#uploadId === undefined) {
        const body = this.#take()
        await env.call('put', key, (abortSignal) =>
          env.client.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: body, IfNoneMatch: '*' }), {
            abortSignal,
          }),
        )
      } else {
        const rest = this.#take()
        if (rest.length > 0) await this.#uploadPart(key, rest)
        const uploadId = this.#uploadId
        const parts = this.#parts
        await env.call('complete multipart upload', key, (abortSignal) =>
          env.client.send(
            new CompleteMultipartUploadCommand({
              Bucket: env.bucket,
              Key: key,
              UploadId: uploadId,
              MultipartUpload: { Parts: parts },
              IfNoneMatch: '*',
            }),
            { abortSignal },
          ),
        )
      }
    } catch (error) {
      if (!isFerrisError(error)) throw error
      if (error.code === 'FERRIS_ALREADY_EXISTS') {
        env.context.logger.log('info', `${env.uri(key)} exists already (a re-commit); left as it is`, {})
        await this.abort()
      } else if (error.code === 'FERRIS_NOT_FOUND' && this.#uploadId !== undefined) {
        // A completion whose answer was lost and was retried finds its upload gone: fine if the object is there.
        if ((await headObject(env, key)) === undefined) throw error
      } else throw error
    }
    this.done = true
    this.#uploadId = undefined
    this.#chunks = []
  }

  /** Drops everything: aborts the multipart upload, deletes the spool. */
  async abort(): Promise<void> {
    this.#chunks = []
    this.#buffered = 0
    await this.#dropSpool()
    const uploadId = this.#uploadId
    const key = this.#uploadKey
    this.#uploadId = undefined
    if (uploadId !== undefined && key !== undefined) {
      const env = this.#env
      await env
        .call('abort multipart upload', key, (abortSignal) =>
          env.client.send(new AbortMultipartUploadCommand({ Bucket: env.bucket, Key: key, UploadId: uploadId }), {
            abortSignal,
          }),
        )
        .catch((error) => {
          env.context.logger.log('warn', `Could not abort an upload of ${env.uri(key)}; it stays invisible`, {
            err: error,
          })
        })
    }
  }

  async #dropSpool(): Promise<void> {
    const s = this.#spool
    this.#spool = undefined
    if (s === undefined) return
    await s.handle.close().catch(() => {})
    await rm(s.path, { force: true })
  }
}
