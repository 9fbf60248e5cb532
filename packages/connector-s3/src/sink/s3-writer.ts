import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3'
import {
  batchOf,
  type CommitInfo,
  type DataWriter,
  FerrisError,
  isFerrisError,
  type RecordBatch,
  type Row,
  type Schema,
} from '@ferris/core'
import { groupByPartition, jobTag, partFull, partitionIndexes, rowsThatFit } from '@ferris/formats'
import type { S3Env } from '../s3-env.js'
import { checkpointOf, objectName } from './object-name.js'
import { ObjectUpload } from './object-upload.js'
import type { PartEncoder, SinkFormat } from './sink-format.js'

interface Part {
  /** Partition prefix relative to the root, '' without partitioning. */
  readonly dir: string
  readonly upload: ObjectUpload
  readonly encoder: PartEncoder
  ended: boolean
}

/**
 * Writes objects under a prefix: `<root>[<col>=<value>/...]<prefix>-<job>-<checkpoint>-<seq>.<ext>`. Rows go
 * into uploads that stay invisible until `commit`, which completes them in order under names made of the
 * checkpoint id and their order within the commit.
 *
 * Why the names carry the checkpoint id: a job that crashes after its objects of checkpoint N became visible,
 * but before it recorded checkpoint N, restarts from N-1 and commits as N again. Its first commit deletes
 * this job's objects of checkpoint N and later (left by the crashed run) and aborts their unfinished
 * uploads, then writes its own, so the prefix holds each row once, even when the new run cut its objects
 * differently. Within one run, a commit retried after a failure completes each object conditionally
 * (`If-None-Match: *`): what the failed attempt made visible is kept, not written twice.
 *
 * The final name needs the checkpoint id, which a writer learns only at its first commit (the job resumes
 * from a checkpoint it does not tell the writer about). Until then objects are spooled to a local file
 * (`spool_dir`); after it, the next id is the last plus one and objects are streamed as multipart uploads.
 */
export class S3Writer implements DataWriter {
  readonly #env: S3Env
  readonly #root: string
  readonly #schema: Schema
  readonly #format: SinkFormat
  readonly #tag: string
  readonly #partitions: number[]
  readonly #open = new Map<string, Part>()
  #parts: Part[] = []
  /** The id the next commit will carry; unknown until the first commit. */
  #nextCheckpoint: number | undefined
  #cleaned = false
  #closed = false

  constructor(env: S3Env, root: string, schema: Schema, jobId: string, format: SinkFormat) {
    this.#env = env
    this.#root = root
    this.#schema = schema
    this.#format = format
    this.#tag = jobTag(jobId)
    this.#partitions = partitionIndexes(schema, env.options.partition_by ?? [], env.context.name)
  }

  async write(batch: RecordBatch): Promise<void> {
    if (batch.rows.length === 0) return
    for (const [dir, rows] of groupByPartition(this.#schema, this.#partitions, batch.rows)) {
      await this.#append(dir, rows)
    }
  }

  async #append(dir: string, rows: Row[]): Promise<void> {
    let i = 0
    while (i < rows.length) {
      const part = await this.#part(dir)
      const n = rowsThatFit(this.#env.options, part.upload.records, rows.length - i)
      const slice = i === 0 && n === rows.length ? rows : rows.slice(i, i + n)
      part.upload.records += await this.#encode(part, slice)
      i += n
      if (this.#full(part)) await this.#roll(part)
    }
  }

  /**
   * Encodes rows, handing a row whose value does not fit its column to the bad-record policy with its values,
   * then encoding the rest. The Parquet writer names the row (`location.row`, an index into the rows given)
   * and keeps none of the rows of the row group being filled; rows of row groups finished earlier in the same
   * call are kept, which `kept()` tells. Returns the number of rows kept.
   */
  async #encode(part: Part, rows: Row[]): Promise<number> {
    let pending = rows
    let total = 0
    for (;;) {
      const before = part.encoder.kept()
      try {
        await part.encoder.write(batchOf(this.#schema, pending))
        return total + part.encoder.kept() - before
      } catch (error) {
        const row = isFerrisError(error) ? error.context.location?.row : undefined
        if (!isFerrisError(error) || error.code !== 'FERRIS_TYPE_CONVERSION' || typeof row !== 'number') throw error
        const bad = pending[row]
        const kept = part.encoder.kept() - before
        if (bad === undefined || kept > row) throw error
        this.#env.context.reportBadRecord({
          error,
          values: Object.fromEntries(this.#schema.names.map((n, k) => [n, bad[k] ?? null])),
          origin: this.#env.context.name,
        })
        total += kept
        pending = [...pending.slice(kept, row), ...pending.slice(row + 1)]
        if (pending.length === 0) return total
      }
    }
  }

  #full(part: Part): boolean {
    return partFull(this.#env.options, part.upload)
  }

  async #roll(part: Part): Promise<void> {
    this.#open.delete(part.dir)
    if (part.ended) return
    part.ended = true
    await part.encoder.end()
  }

  async #part(dir: string): Promise<Part> {
    const open = this.#open.get(dir)
    if (open !== undefined) {
      if (!this.#full(open)) return open
      await this.#roll(open)
    }
    const key =
      this.#nextCheckpoint === undefined ? undefined : this.#name(dir, this.#nextCheckpoint, this.#parts.length)
    const upload = new ObjectUpload(this.#env, key, this.#env.options.part_size, this.#env.options.spool_dir)
    const encoder = await this.#format.open(this.#schema, upload)
    const part: Part = { dir, upload, encoder, ended: false }
    this.#open.set(dir, part)
    this.#parts.push(part)

    return part
  }

  #name(dir: string, checkpointId: number, seq: number): string {
    const o = this.#env.options

    return objectName(this.#root, dir, o.file_prefix, this.#tag, checkpointId, seq, this.#format.extension)
  }

  /** Rolls objects that reached a limit; the others keep buffering (their parts are sent as they fill). */
  async flush(): Promise<void> {
    for (const part of [...this.#open.values()]) {
      if (this.#full(part)) await this.#roll(part)
    }
  }

  async commit(info: CommitInfo): Promise<void> {
    if (this.#nextCheckpoint !== undefined && info.checkpointId !== this.#nextCheckpoint) {
      throw new FerrisError(
        'FERRIS_CHECKPOINT_FAILED',
        `Sink "${this.#env.context.name}" expected checkpoint ${this.#nextCheckpoint} after the previous commit but was given ${info.checkpointId}`,
        {
          subject: this.#env.context.name,
          value: info.checkpointId,
          expected: String(this.#nextCheckpoint),
          hint: 'Checkpoint ids must increase by one per commit (CommitInfo contract); this is a bug in the job runner',
        },
      )
    }
    if (!this.#cleaned) {
      await this.#removeLaterObjects(info.checkpointId)
      this.#cleaned = true
    }
    for (const part of [...this.#open.values()]) await this.#roll(part)
    const parts = this.#parts
    for (let k = 0; k < parts.length; k++) {
      const part = parts[k]!
      await part.upload.complete(part.upload.key ?? this.#name(part.dir, info.checkpointId, k))
    }
    this.#parts = []
    this.#nextCheckpoint = info.checkpointId + 1
    this.#env.context.metrics.count('objects_published', parts.length)
  }

  /**
   * Deletes this job's objects of checkpoint `from` and later and aborts this job's unfinished multipart
   * uploads: what a crashed run left behind.
   */
  async #removeLaterObjects(from: number): Promise<void> {
    const env = this.#env
    const prefix = env.options.file_prefix
    let token: string | undefined
    do {
      const page = await env.call('list', this.#root, (abortSignal) =>
        env.client.send(
          new ListObjectsV2Command({
            Bucket: env.bucket,
            Prefix: this.#root,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
          { abortSignal },
        ),
      )
      for (const o of (page.Contents ?? []) as Array<{ Key?: string }>) {
        const key = o.Key
        if (key === undefined) continue
        const checkpoint = checkpointOf(key, prefix, this.#tag)
        if (checkpoint === undefined || checkpoint < from) continue
        env.context.logger.log(
          'info',
          `Deleting ${env.uri(key)}, left by a run that did not record checkpoint ${checkpoint}`,
          {},
        )
        await env.call('delete', key, (abortSignal) =>
          env.client.send(new DeleteObjectCommand({ Bucket: env.bucket, Key: key }), { abortSignal }),
        )
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined
    } while (token !== undefined)
    await this.#abortStaleUploads()
  }

  async #abortStaleUploads(): Promise<void> {
    const env = this.#env
    const prefix = env.options.file_prefix
    try {
      const page = await env.call('list multipart uploads', this.#root, (abortSignal) =>
        env.client.send(new ListMultipartUploadsCommand({ Bucket: env.bucket, Prefix: this.#root }), { abortSignal }),
      )
      for (const u of (page.Uploads ?? []) as Array<{ Key?: string; UploadId?: string }>) {
        if (u.Key === undefined || u.UploadId === undefined) continue
        if (checkpointOf(u.Key, prefix, this.#tag) === undefined) continue
        const { Key, UploadId } = u
        await env.call('abort multipart upload', Key, (abortSignal) =>
          env.client.send(new AbortMultipartUploadCommand({ Bucket: env.bucket, Key, UploadId }), { abortSignal }),
        )
      }
    } catch (error) {
      // Limitation: unfinished uploads of a crashed run are invisible but take space until a bucket lifecycle
      // rule (AbortIncompleteMultipartUpload) removes them, when the server cannot list them.
      env.context.logger.log('warn', `Could not list unfinished uploads under ${env.uri(this.#root)}`, { err: error })
    }
  }

  async rollback(): Promise<void> {
    const parts = this.#parts
    this.#parts = []
    this.#open.clear()
    for (const part of parts) await part.upload.abort()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.rollback()
  }
}
