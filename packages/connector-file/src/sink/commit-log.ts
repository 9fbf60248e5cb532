import { randomUUID } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Position } from '@ferris/core'

/** How many commits the log remembers; a restart only ever needs the latest one. */
const LOG_ENTRIES = 20

/** One commit of a file sink, as its commit log keeps it. */
export interface CommitRecord {
  /** The writer's own commit number: increases across runs of the job, never reused. Names part files. */
  readonly seq: number
  /** The job's checkpoint id for this commit. */
  readonly checkpointId: number
  /** Source positions covered by this commit: where a restarted job resumes (`committedPositions`). */
  readonly positions: Readonly<Record<string, Position>>
  /** One file: its size after the commit, bytes (stream formats) or rows (Parquet). */
  readonly size?: number
  /** A directory: the part files the commit published, relative to the directory. */
  readonly parts?: readonly string[]
}

/**
 * A small JSON file beside a sink's output (`.<name>.ferris.json` for one file, `.ferris-<job>.json` in a
 * directory) that records the latest commits. It is written after the output was renamed into place, by
 * write-then-rename, so it never names output that is not there; output published after its last entry
 * (a crash between the two) is what a restarted job removes and writes again.
 */
export class CommitLog {
  readonly path: string
  #entries: CommitRecord[] = []

  constructor(path: string) {
    this.path = path
  }

  static beside(target: string): CommitLog {
    return new CommitLog(join(dirname(target), `.${basename(target)}.ferris.json`))
  }

  async load(): Promise<this> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as { commits?: unknown }
      this.#entries = Array.isArray(parsed.commits)
        ? (parsed.commits as Array<Partial<CommitRecord>>).filter(
            (c): c is CommitRecord =>
              Number.isSafeInteger(c?.seq) && Number.isSafeInteger(c?.checkpointId) && typeof c?.positions === 'object',
          )
        : []
    } catch {
      // No log (a new target, or one written by something else): nothing was committed here.
      this.#entries = []
    }

    return this
  }

  latest(): CommitRecord | undefined {
    return this.#entries.at(-1)
  }

  /** The number of the next commit: above every earlier one, and the checkpoint id when that is higher. */
  nextSeq(checkpointId: number): number {
    return Math.max(checkpointId, (this.latest()?.seq ?? 0) + 1)
  }

  async record(commit: CommitRecord): Promise<void> {
    this.#entries = [...this.#entries, commit].slice(-LOG_ENTRIES)
    const tmp = join(dirname(this.path), `${basename(this.path)}.${randomUUID().slice(0, 8)}`)
    await writeFile(tmp, `${JSON.stringify({ commits: this.#entries })}\n`)
    await rename(tmp, this.path)
  }
}
