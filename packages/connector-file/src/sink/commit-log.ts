import { randomUUID } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** How many commits the manifest remembers; a restart only ever needs the latest ones. */
const MANIFEST_ENTRIES = 20

/** The size of a single-file target after one commit: bytes for stream formats, rows for Parquet. */
export interface ManifestEntry {
  readonly checkpointId: number
  readonly size: number
}

/**
 * `.<name>.ferris.json` beside a single-file target: its size after each recent commit, so a job that
 * restarts from checkpoint N-1 and commits N again can cut away what a crashed run published after N-1.
 */
export class Manifest {
  readonly path: string
  #entries: ManifestEntry[] = []

  constructor(target: string) {
    this.path = join(dirname(target), `.${basename(target)}.ferris.json`)
  }

  async load(): Promise<this> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as { commits?: unknown }
      this.#entries = Array.isArray(parsed.commits)
        ? (parsed.commits as Array<Partial<ManifestEntry>>).filter(
            (c): c is ManifestEntry => Number.isSafeInteger(c?.checkpointId) && Number.isSafeInteger(c?.size),
          )
        : []
    } catch {
      // No manifest (a fresh target, or a file written by something else): the file starts over.
      this.#entries = []
    }

    return this
  }

  /** The size at the latest commit before `checkpointId`; 0 when there is none (a fresh job). */
  sizeBefore(checkpointId: number): number {
    return this.#entries.filter((c) => c.checkpointId < checkpointId).at(-1)?.size ?? 0
  }

  /** Records the size after committing `checkpointId` (dropping entries from it on) and saves atomically. */
  async record(checkpointId: number, size: number): Promise<void> {
    this.#entries = [...this.#entries.filter((c) => c.checkpointId < checkpointId), { checkpointId, size }].slice(
      -MANIFEST_ENTRIES,
    )
    const tmp = join(dirname(this.path), `${basename(this.path)}.${randomUUID().slice(0, 8)}`)
    await writeFile(tmp, `${JSON.stringify({ commits: this.#entries })}\n`)
    await rename(tmp, this.path)
  }
}
