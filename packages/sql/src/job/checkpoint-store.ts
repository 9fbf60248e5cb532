import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { FerrisError, type JsonValue, type Position } from '@ferris/core'

/** What a checkpoint records: written only after every sink committed the output it covers. */
export interface Checkpoint {
  readonly version: 1
  readonly job: string
  /** Increases by one per checkpoint; sinks receive it in `CommitInfo`. */
  readonly checkpointId: number
  /** Epoch milliseconds when it was taken. */
  readonly time: number
  /** The position after the last record covered, by source name. */
  readonly positions: Readonly<Record<string, Position>>
  /** Operator state, one entry per operator of the pipeline (null for stateless ones). */
  readonly state: JsonValue
  /** True when every bounded source had ended: a restart has nothing left to read. */
  readonly finished: boolean
  /**
   * A fingerprint of the job's plan (its EXPLAIN text: operators, columns, types, connectors). Positions and
   * operator state only fit the plan that saved them, so a checkpoint is restored only into the same plan.
   */
  readonly plan?: string
  /** The rows, query state and positions of the job's tables kept current by their changes (`TableFeeds`). */
  readonly tables?: JsonValue
}

const FILE = 'checkpoint.json'
const PENDING = 'checkpoint.pending.json'

/**
 * Keeps a job's latest checkpoint in one JSON file, replaced atomically: written to a temporary file,
 * synced, renamed over the old one, and the folder synced. A crash leaves either the old or the new
 * checkpoint, never a torn one.
 *
 * A job whose sink stores positions saves each checkpoint first as pending (`checkpoint.pending.json`),
 * commits the sink, then renames the pending file over the checkpoint: the sink may hold a commit's positions
 * before the checkpoint does, and a restart then finds the operator state that belongs to them.
 */
export class CheckpointStore {
  readonly dir: string

  constructor(dir: string) {
    this.dir = dir
  }

  get path(): string {
    return join(this.dir, FILE)
  }

  get pendingPath(): string {
    return join(this.dir, PENDING)
  }

  async load(): Promise<Checkpoint | undefined> {
    return this.#read(this.path)
  }

  /** The checkpoint saved before a sink commit that was not confirmed by `completePending`, if any. */
  async loadPending(): Promise<Checkpoint | undefined> {
    return this.#read(this.pendingPath)
  }

  async #read(path: string): Promise<Checkpoint | undefined> {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new FerrisError('FERRIS_CHECKPOINT_FAILED', `Cannot read the checkpoint ${path}`, { cause: e })
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (e) {
      throw new FerrisError('FERRIS_CHECKPOINT_FAILED', `The checkpoint ${path} is not valid JSON`, {
        cause: e,
        hint: "Delete the checkpoint folder to start over from the sources' configured start",
      })
    }
    const c = parsed as Partial<Checkpoint>
    if (
      c.version !== 1 ||
      typeof c.checkpointId !== 'number' ||
      typeof c.positions !== 'object' ||
      c.positions === null
    ) {
      throw new FerrisError('FERRIS_CHECKPOINT_FAILED', `The checkpoint ${path} has an unknown layout`, {
        value: { version: c.version },
        expected: 'version 1 with checkpointId and positions',
        hint: 'It was written by another Ferris version; delete the folder to start over',
      })
    }

    return c as Checkpoint
  }

  async save(checkpoint: Checkpoint): Promise<void> {
    await this.#write(checkpoint, this.path)
  }

  /** Saves a checkpoint whose sink commit is still to come. */
  async savePending(checkpoint: Checkpoint): Promise<void> {
    await this.#write(checkpoint, this.pendingPath)
  }

  /** The sink committed: the pending checkpoint becomes the checkpoint (one rename, durable). */
  async completePending(): Promise<void> {
    try {
      await rename(this.pendingPath, this.path)
      await syncDir(this.dir)
    } catch (e) {
      throw new FerrisError('FERRIS_CHECKPOINT_FAILED', `Cannot write the checkpoint ${this.path}`, {
        cause: e,
        hint: 'Check that the checkpoint folder (job.checkpoint.dir) is writable and the disk is not full',
      })
    }
  }

  /** The sink did not commit the pending checkpoint: it is dropped. */
  async discardPending(): Promise<void> {
    await rm(this.pendingPath, { force: true })
  }

  async #write(checkpoint: Checkpoint, path: string): Promise<void> {
    const tmp = join(this.dir, `${FILE}.${process.pid}.tmp`)
    try {
      await mkdir(this.dir, { recursive: true })
      const handle = await open(tmp, 'w')
      try {
        await handle.writeFile(`${JSON.stringify(checkpoint, null, 2)}\n`)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(tmp, path)
      await syncDir(dirname(path))
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => {})
      throw new FerrisError('FERRIS_CHECKPOINT_FAILED', `Cannot write the checkpoint ${path}`, {
        cause: e,
        hint: 'Check that the checkpoint folder (job.checkpoint.dir) is writable and the disk is not full',
      })
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  // Syncing a folder makes the rename durable; not every platform allows opening one, and that is fine.
  try {
    const handle = await open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // best effort
  }
}
