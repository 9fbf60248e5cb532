import { setTimeout as sleep } from 'node:timers/promises'
import { batchOf, type Position, type ReadResult, type Row, type Schema } from '@ferris/core'
import { RowOrigins } from './row-origins.js'

/** A set of files or objects that a source reader reads one after another. */
export interface InputWalk<T> {
  /** The input to read from now: the current one while it has input, else the next; undefined when none is left. */
  next(): Promise<T | undefined>
  /**
   * Moves rows of `input` into `rows` until it holds `max` or the input has no more for now, noting in
   * `origins` where each came from.
   */
  take(input: T, rows: Row[], max: number, origins: RowOrigins): Promise<void>
  /** Watch mode, everything read: looks again for new input; true when there is something to read. */
  poll(): Promise<boolean>
  /** The position after everything handed over so far. */
  position(): Position
}

export interface ReadBatchOptions {
  readonly schema: Schema
  readonly batchSize: number
  /** Keep looking for new input every `pollInterval` ms instead of ending once everything is read. */
  readonly watch: boolean
  readonly pollInterval: number
  readonly signal: AbortSignal
}

/**
 * The next `read()` answer of a source reader over `walk`: a batch of up to `batchSize` rows, else `end`
 * (bounded) or, watching, `idle` after waiting `pollInterval` (cut short when `signal` aborts).
 */
export async function readBatch<T>(walk: InputWalk<T>, options: ReadBatchOptions): Promise<ReadResult> {
  const rows: Row[] = []
  const origins = new RowOrigins()
  for (;;) {
    while (rows.length < options.batchSize) {
      const input = await walk.next()
      if (input === undefined) break
      await walk.take(input, rows, options.batchSize, origins)
    }
    if (rows.length > 0) {
      // Only when every row was located: a walk that notes nothing leaves `locate` out rather than lie.
      const locate = origins.size === rows.length ? (index: number) => origins.locate(index) : undefined
      const batch = batchOf(options.schema, rows, locate === undefined ? {} : { locate })
      return { kind: 'batch', batch, position: walk.position() }
    }
    if (!options.watch) return { kind: 'end', position: walk.position() }
    if (await walk.poll()) continue
    await sleep(options.pollInterval, undefined, { signal: options.signal }).catch(() => {})

    return { kind: 'idle', position: walk.position() }
  }
}
