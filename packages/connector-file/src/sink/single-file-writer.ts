import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { CommitInfo, ConnectorContext, DataWriter, RecordBatch, Schema } from '@ferris/core'
import { compressChunk, type RecordEncoder } from '@ferris/formats'
import { fsyncDir } from './fsync-dir.js'
import type { SinkFormat } from './sink-format.js'
import { TempFile, writeError } from './temp-file.js'

/** How many commits the manifest remembers; a restart only ever needs the latest ones. */
const MANIFEST_ENTRIES = 20

interface Manifest {
  readonly commits: ReadonlyArray<{ readonly checkpointId: number; readonly bytes: number }>
}

/**
 * Writes one file, `path` itself: after each commit it holds everything written up to that commit, and
 * is replaced by rename, so a reader sees the previous complete file or the new one, never half of one.
 *
 * Rows since the last commit go to a hidden in-progress file. A commit copies the published file into a
 * second hidden file, cuts it to the length it had at the previous checkpoint, appends the header (for a
 * new file) and the new rows, and renames it over `path`. A manifest beside it (`.<name>.ferris.json`)
 * remembers the file's length at each checkpoint: a job restarted from checkpoint N-1 that commits N again
 * cuts away what a crashed run published after N-1, so rows are neither lost nor doubled. A fresh job
 * (whose first checkpoint id is not above the manifest's) starts the file over.
 */
export class SingleFileWriter implements DataWriter {
  readonly #target: string
  readonly #manifest: string
  readonly #context: ConnectorContext
  readonly #schema: Schema
  readonly #format: SinkFormat
  readonly #encoder: RecordEncoder
  #temp: TempFile | undefined
  /** Length of the published file after this writer's last commit; undefined before its first. */
  #published: number | undefined
  #closed = false

  constructor(target: string, context: ConnectorContext, schema: Schema, format: SinkFormat) {
    this.#target = target
    this.#manifest = join(dirname(target), `.${basename(target)}.ferris.json`)
    this.#context = context
    this.#schema = schema
    this.#format = format
    this.#encoder = format.createEncoder(schema)
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
    const manifest = await this.#readManifest()
    const base = this.#published ?? (await this.#baseLength(manifest, info.checkpointId))
    if (this.#published !== undefined && this.#temp === undefined) return
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
      const h = await open(publish, 'r+')
      try {
        await h.sync()
      } finally {
        await h.close()
      }
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
    const commits = [
      ...manifest.commits.filter((c) => c.checkpointId < info.checkpointId),
      { checkpointId: info.checkpointId, bytes: size },
    ]
    await this.#writeManifest({ commits: commits.slice(-MANIFEST_ENTRIES) })
  }

  /** The published length at the latest checkpoint before `checkpointId` of the manifest, 0 for a fresh file. */
  async #baseLength(manifest: Manifest, checkpointId: number): Promise<number> {
    const earlier = manifest.commits.filter((c) => c.checkpointId < checkpointId).at(-1)
    if (earlier === undefined) return 0
    const size = await stat(this.#target).then(
      (s) => s.size,
      () => -1,
    )
    if (size < earlier.bytes) {
      this.#context.logger.log('warn', `${this.#target} is shorter than its manifest says; writing it anew`, {
        file: this.#target,
      })
      return 0
    }

    return earlier.bytes
  }

  async #readManifest(): Promise<Manifest> {
    try {
      const parsed = JSON.parse(await readFile(this.#manifest, 'utf8')) as Partial<Manifest>
      const commits = Array.isArray(parsed.commits)
        ? parsed.commits.filter((c) => Number.isSafeInteger(c?.checkpointId) && Number.isSafeInteger(c?.bytes))
        : []
      return { commits }
    } catch {
      return { commits: [] }
    }
  }

  async #writeManifest(manifest: Manifest): Promise<void> {
    const tmp = `${this.#manifest}.${randomUUID().slice(0, 8)}`
    await writeFile(tmp, `${JSON.stringify(manifest)}\n`)
    await rename(tmp, this.#manifest)
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

  get schema(): Schema {
    return this.#schema
  }
}
