import { mkdir, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import {
  batchOf,
  type CommitInfo,
  type ConnectorContext,
  type DataWriter,
  type Position,
  type RecordBatch,
  type Row,
  type Schema,
} from '@ferris/core'
import { groupByPartition, jobTag, partFull, partitionIndexes, rowsThatFit } from '@ferris/formats'
import type { FileOptions } from '../options.js'
import { CommitLog } from './commit-log.js'
import { fsyncDir } from './fsync-dir.js'
import type { PartEncoder } from './part-encoder.js'
import type { SinkFormat } from './sink-format.js'
import { TempFile, writeError } from './temp-file.js'

interface Part {
  /** Partition directory relative to the root, '' without partitioning. */
  readonly dir: string
  readonly temp: TempFile
  readonly encoder: PartEncoder
  ended: boolean
}

/**
 * Writes part files into a directory: `<prefix>-<job>-<commit>-<n>.<ext>`, under `col=value/` directories
 * when partitioned. Rows go to hidden in-progress files; `commit` seals them, renames each into place under
 * a name made of the commit number and its order within the commit, then records the commit (its number,
 * the source positions and the part names) in the job's commit log, `.ferris-<job>.json`.
 *
 * Resuming: `committedPositions()` returns the positions of the last logged commit. The first commit after
 * that removes this job's part files numbered above it (published by a crashed run after its last logged
 * commit, and about to be written again), so the output holds each row once. A job that does not ask for the
 * positions (a fresh run) removes nothing and writes new parts beside the earlier ones.
 */
export class DirectoryWriter implements DataWriter {
  readonly #root: string
  readonly #options: FileOptions
  readonly #context: ConnectorContext
  readonly #schema: Schema
  readonly #format: SinkFormat
  readonly #tag: string
  readonly #partitions: number[]
  readonly #open = new Map<string, Part>()
  /** Parts in the order they were opened: the order of their sequence numbers at commit. */
  #parts: Part[] = []
  #cleaned = false
  #closed = false
  readonly #log: CommitLog
  /** The commit number the job resumed from (set by `committedPositions`); undefined for a fresh start. */
  #restored: number | undefined

  constructor(
    root: string,
    options: FileOptions,
    context: ConnectorContext,
    schema: Schema,
    jobId: string,
    format: SinkFormat,
  ) {
    this.#root = root
    this.#log = new CommitLog(join(root, `.ferris-${jobTag(jobId)}.json`))
    this.#options = options
    this.#context = context
    this.#schema = schema
    this.#format = format
    this.#tag = jobTag(jobId)
    this.#partitions = partitionIndexes(schema, options.partition_by ?? [], context.name)
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
      const n = rowsThatFit(this.#options, part.temp.records, rows.length - i)
      const slice = i === 0 && n === rows.length ? rows : rows.slice(i, i + n)
      await part.encoder.write(batchOf(this.#schema, slice))
      part.temp.records += n
      i += n
      if (this.#full(part)) await this.#roll(part)
    }
  }

  #full(part: Part): boolean {
    return partFull(this.#options, part.temp)
  }

  /** Closes a part for writing; it is sealed and published at the next commit. */
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
    const folder = join(this.#root, dir)
    await mkdir(folder, { recursive: true }).catch((error) => {
      throw writeError(error, folder)
    })
    const temp = await TempFile.create(
      join(folder, `${this.#options.file_prefix}-${this.#tag}`),
      this.#format.compression,
    )
    const encoder = await this.#format.openPart(this.#schema, temp)
    const part: Part = { dir, temp, encoder, ended: false }
    this.#open.set(dir, part)
    this.#parts.push(part)

    return part
  }

  async flush(): Promise<void> {
    for (const part of [...this.#open.values()]) {
      if (this.#full(part)) await this.#roll(part)
    }
    for (const part of this.#parts) await part.temp.flush()
  }

  async committedPositions(): Promise<Readonly<Record<string, Position>> | undefined> {
    const latest = (await this.#log.load()).latest()
    this.#restored = latest?.seq ?? 0

    return latest?.positions
  }
  /** The last logged commit: its checkpoint id and positions (and, like `committedPositions`, where to resume). */
  async committedCheckpoint(): Promise<CommitInfo | undefined> {
    await this.committedPositions()
    const latest = this.#log.latest()

    return latest === undefined ? undefined : { checkpointId: latest.checkpointId, positions: latest.positions }
  }

  async commit(info: CommitInfo): Promise<void> {
    if (!this.#cleaned) {
      if (this.#restored === undefined) await this.#log.load()
      await this.#removeStale(this.#restored)
      this.#cleaned = true
    }
    const seq = this.#log.nextSeq(info.checkpointId)
    for (const part of [...this.#open.values()]) await this.#roll(part)
    const parts = this.#parts
    const dirs = new Set<string>()
    const names: string[] = []
    for (let k = 0; k < parts.length; k++) {
      const part = parts[k]!
      await part.temp.seal()
      const name = this.#partName(seq, k)
      names.push(part.dir === '' ? name : `${part.dir}/${name}`)
      const target = join(this.#root, part.dir, name)
      await rename(part.temp.path, target).catch((error) => {
        throw writeError(error, target)
      })
      // The part's directory and each partition directory above it, whose entries may be new.
      const segments = part.dir === '' ? [] : part.dir.split('/')
      for (let d = 0; d <= segments.length; d++) dirs.add(join(this.#root, ...segments.slice(0, d)))
    }
    for (const dir of dirs) await fsyncDir(dir)
    this.#parts = []
    await this.#log.record({ seq, checkpointId: info.checkpointId, positions: info.positions, parts: names })
    this.#context.metrics.count('files_published', parts.length)
  }

  #partName(commit: number, n: number): string {
    return `${this.#options.file_prefix}-${this.#tag}-${String(commit).padStart(8, '0')}-${String(n).padStart(4, '0')}.${this.#format.extension}`
  }

  /**
   * Removes this job's in-progress files left by a crash and, when resuming from commit `after`, its parts
   * numbered above it.
   */
  async #removeStale(after: number | undefined): Promise<void> {
    const prefix = `${this.#options.file_prefix}-${this.#tag}-`
    const ours = new Set(this.#parts.map((p) => p.temp.path))
    const visit = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
      for (const e of entries) {
        const path = join(dir, e.name)
        if (e.isDirectory()) {
          if (e.name.includes('=')) await visit(path)
          continue
        }
        if (e.name.startsWith(prefix)) {
          const checkpoint = Number(/^(\d{8,})-\d{4,}\./.exec(e.name.slice(prefix.length))?.[1] ?? Number.NaN)
          if (after !== undefined && checkpoint > after) await rm(path, { force: true })
        } else if (e.name.startsWith(`.${prefix.slice(0, -1)}.inprogress-`) && !ours.has(path)) {
          await rm(path, { force: true })
        }
      }
    }
    await visit(this.#root)
  }

  async rollback(): Promise<void> {
    for (const part of this.#parts) await part.temp.discard()
    this.#parts = []
    this.#open.clear()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.rollback()
  }
}
