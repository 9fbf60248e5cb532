import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, open, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { CommitInfo, ConnectorContext, DataWriter, Position, RecordBatch, Schema } from '@ferris/core'
import { compressChunk, type RecordEncoder } from '@ferris/formats'
import { CommitLog } from './commit-log.js'
import { fsyncDir } from './fsync-dir.js'
import type { SinkFormat } from './sink-format.js'
import { removeStaleTemps, TempFile, writeError } from './temp-file.js'

/**
 * Writes one file, `path` itself, in a stream format (CSV, JSON lines): after each commit it holds
 * everything written up to that commit, and it is replaced by rename, so a reader sees the previous complete
 * file or the new one, never half of one.
 *
 * Rows since the last commit go to a hidden in-progress file. A commit copies the published file into a
 * second hidden file, cuts it to its length at the commit the job resumed from, appends the header (for a
 * new file) and the new rows, fsyncs, and renames it over `path`; then it records the new length and the
 * source positions in the commit log (`.<name>.ferris.json`).
 *
 * Resuming: `committedPositions()` returns the positions of the last logged commit and makes the next commit
 * continue from that commit's length, dropping whatever a crashed run published after it. A job that does not
 * ask (a fresh run) starts the file over.
 */
export class SingleFileWriter implements DataWriter {
  readonly #target: string
  readonly #context: ConnectorContext
  readonly #format: SinkFormat
  readonly #encoder: RecordEncoder
  readonly #log: CommitLog
  #temp: TempFile | undefined
  /** Length of the published file after this writer's last commit; undefined before its first. */
  #published: number | undefined
  /** Length at the commit the job resumed from (set by `committedPositions`); undefined for a fresh start. */
  #restored: number | undefined
  #closed = false

  constructor(target: string, context: ConnectorContext, schema: Schema, format: SinkFormat) {
    this.#target = target
    this.#context = context
    this.#format = format
    this.#encoder = format.createEncoder!(schema)
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

  async write(batch: RecordBatch): Promise<void> {
    if (batch.rows.length === 0) return
    this.#temp ??= await TempFile.create(this.#target, this.#format.compression)
    this.#temp.append(this.#encoder.encode(batch))
    this.#temp.records += batch.rows.length
    if (this.#temp.needsFlush()) await this.#temp.flush()
  }

  async flush(): Promise<void> {
    await this.#temp?.flush()
  }

  async commit(info: CommitInfo): Promise<void> {
    if (this.#published !== undefined && this.#temp === undefined) {
      await this.#record(info, this.#published)
      return
    }
    if (this.#published === undefined) {
      await removeStaleTemps(this.#target, new Set([this.#temp?.path].filter((x) => x !== undefined)))
      if (this.#restored === undefined) await this.#log.load()
    }
    const base = this.#published ?? (await baseSize(this.#target, this.#restored ?? 0, this.#context))
    const temp = this.#temp
    await temp?.seal()
    const publish = join(dirname(this.#target), `.${basename(this.#target)}.publish-${randomUUID().slice(0, 8)}`)
    try {
      if (base > 0) {
        await copyFile(this.#target, publish)
        const h = await open(publish, 'r+')
        try {
          await h.truncate(base)
        } finally {
          await h.close()
        }
      } else {
        await writeFile(publish, compressChunk(this.#encoder.begin(), this.#format.compression))
      }
      if (temp !== undefined)
        await pipeline(createReadStream(temp.path), (await open(publish, 'a')).createWriteStream())
      await fsyncFile(publish)
      await rename(publish, this.#target)
      await fsyncDir(dirname(this.#target))
    } catch (error) {
      await rm(publish, { force: true })
      throw writeError(error, this.#target)
    }
    const size = (await stat(this.#target)).size
    await temp?.discard()
    this.#temp = undefined
    this.#published = size
    await this.#record(info, size)
  }

  async #record(info: CommitInfo, size: number): Promise<void> {
    await this.#log.record({
      seq: this.#log.nextSeq(info.checkpointId),
      checkpointId: info.checkpointId,
      positions: info.positions,
      size,
    })
  }

  async rollback(): Promise<void> {
    await this.#temp?.discard()
    this.#temp = undefined
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.rollback()
  }
}

/**
 * The logged size, unless the file is missing or (for a byte size) shorter than that: changed by someone
 * else, so it starts over rather than being patched.
 */
export async function baseSize(
  target: string,
  recorded: number,
  context: ConnectorContext,
  unit: 'bytes' | 'rows' = 'bytes',
): Promise<number> {
  if (recorded === 0) return 0
  const size = await stat(target).then(
    (s) => s.size,
    () => -1,
  )
  if (size < 0 || (unit === 'bytes' && size < recorded)) {
    context.logger.log('warn', `${target} is missing or shorter than its commit log says; writing it anew`, {
      file: target,
    })
    return 0
  }

  return recorded
}

export async function fsyncFile(path: string): Promise<void> {
  const h = await open(path, 'r+')
  try {
    await h.sync()
  } finally {
    await h.close()
  }
}
