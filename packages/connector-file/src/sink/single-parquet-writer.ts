import { rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import {
  batchOf,
  type CommitInfo,
  type ConnectorContext,
  type DataWriter,
  type Position,
  type RecordBatch,
  type Schema,
} from '@ferris/core'
import { readParquet } from '@ferris/formats'
import { LocalFileInput } from '../source/local-input.js'
import { CommitLog } from './commit-log.js'
import { fsyncDir } from './fsync-dir.js'
import type { PartEncoder } from './part-encoder.js'
import { baseSize } from './single-file-writer.js'
import type { SinkFormat } from './sink-format.js'
import { removeStaleTemps, TempFile, writeError } from './temp-file.js'

/** Rows copied per batch when a published Parquet file is rewritten. */
const COPY_BATCH = 8192

/**
 * Writes one Parquet file, `path` itself. Rows since the last commit go to a hidden in-progress Parquet file.
 * The first commit of a new file finishes it and renames it into place. A later commit that adds rows must
 * rewrite the file (a Parquet footer cannot be appended to): it copies the first N rows of the published file
 * (N from this writer's last commit, or from the commit log's last entry when the job resumed through
 * `committedPositions`, as for CSV), then the new rows, into a new hidden file and renames that into place.
 *
 * Limitation: each commit that adds rows to an already published file re-encodes the whole file, so commits
 * cost more as the file grows; for long-running jobs write Parquet into a directory (one part per commit).
 */
export class SingleParquetWriter implements DataWriter {
  readonly #target: string
  readonly #context: ConnectorContext
  readonly #schema: Schema
  readonly #format: SinkFormat
  #temp: { file: TempFile; encoder: PartEncoder } | undefined
  #published: number | undefined
  #restored: number | undefined
  readonly #log: CommitLog
  #closed = false

  constructor(target: string, context: ConnectorContext, schema: Schema, format: SinkFormat) {
    this.#target = target
    this.#context = context
    this.#schema = schema
    this.#format = format
    this.#log = CommitLog.beside(target)
  }

  async committedPositions(): Promise<Readonly<Record<string, Position>> | undefined> {
    const latest = (await this.#log.load()).latest()
    this.#restored = latest?.size ?? 0

    return latest?.positions
  }
  /** The last logged commit: its checkpoint id and positions (and, like `committedPositions`, where to resume). */
  async committedCheckpoint(): Promise<CommitInfo | undefined> {
    await this.committedPositions()
    const latest = this.#log.latest()

    return latest === undefined ? undefined : { checkpointId: latest.checkpointId, positions: latest.positions }
  }

  async #open(kind = 'inprogress'): Promise<{ file: TempFile; encoder: PartEncoder }> {
    const file = await TempFile.create(this.#target, 'none', kind)
    try {
      return { file, encoder: await this.#format.openPart(this.#schema, file) }
    } catch (error) {
      await file.discard()
      throw error
    }
  }

  async write(batch: RecordBatch): Promise<void> {
    if (batch.rows.length === 0) return
    this.#temp ??= await this.#open()
    await this.#temp.encoder.write(batch)
    this.#temp.file.records += batch.rows.length
  }

  async flush(): Promise<void> {
    await this.#temp?.file.flush()
  }

  async commit(info: CommitInfo): Promise<void> {
    if (this.#published !== undefined && this.#temp === undefined) {
      await this.#record(info, this.#published)
      return
    }
    if (this.#published === undefined) {
      await removeStaleTemps(this.#target, new Set([this.#temp?.file.path].filter((x) => x !== undefined)))
      if (this.#restored === undefined) await this.#log.load()
    }
    const base = this.#published ?? (await baseSize(this.#target, this.#restored ?? 0, this.#context, 'rows'))
    const fresh = this.#temp ?? (await this.#open())
    this.#temp = undefined
    const added = fresh.file.records
    await fresh.encoder.end()
    await fresh.file.seal()
    let publish = fresh.file
    try {
      if (base > 0) {
        const merged = await this.#open('publish')
        publish = merged.file
        await this.#copyRows(this.#target, base, merged.encoder)
        await this.#copyRows(fresh.file.path, added, merged.encoder)
        await merged.encoder.end()
        await merged.file.seal()
        await fresh.file.discard()
      }
      await rename(publish.path, this.#target)
      await fsyncDir(dirname(this.#target))
    } catch (error) {
      await rm(publish.path, { force: true })
      await rm(fresh.file.path, { force: true })
      throw writeError(error, this.#target)
    }
    this.#published = base + added
    await this.#record(info, this.#published)
  }

  async #record(info: CommitInfo, size: number): Promise<void> {
    await this.#log.record({
      seq: this.#log.nextSeq(info.checkpointId),
      checkpointId: info.checkpointId,
      positions: info.positions,
      size,
    })
  }

  /** Copies the first `count` rows of a Parquet file into `encoder`. */
  async #copyRows(path: string, count: number, encoder: PartEncoder): Promise<void> {
    if (count === 0) return
    const input = new LocalFileInput(path)
    let copied = 0
    try {
      for await (const batch of readParquet(input, { schema: this.#schema, batchSize: COPY_BATCH })) {
        // The file was written with this schema, so a row that does not fit it means the file changed under us:
        // copying the rest would drop that row silently.
        if (batch.bad.length > 0) throw batch.bad[0]!.error
        const take = Math.min(batch.rows.length, count - copied)
        await encoder.write(batchOf(this.#schema, take === batch.rows.length ? batch.rows : batch.rows.slice(0, take)))
        copied += take
        if (copied >= count) break
      }
    } finally {
      await input.close()
    }
  }

  async rollback(): Promise<void> {
    await this.#temp?.file.discard()
    this.#temp = undefined
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.rollback()
  }
}
