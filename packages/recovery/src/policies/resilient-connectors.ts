import type { CommitInfo, DataReader, DataWriter, Position, ReadResult, RecordBatch } from '@ferris/core'
import type { EndpointResilience } from './endpoint-resilience.js'

/**
 * A writer whose calls go through an endpoint's policies. A retried `write` may hand the same rows to the
 * sink twice when the failed attempt had accepted part of them; delivery is at-least-once anyway, and sinks
 * that are `idempotent` or transactional absorb it. `rollback` and `close` are not retried: they run when
 * the job is already giving up.
 */
export function resilientWriter(
  writer: DataWriter,
  resilience: EndpointResilience,
  signal?: AbortSignal,
  waitSignal?: AbortSignal,
): DataWriter {
  const run = <T>(fn: () => Promise<T>) => resilience.execute(() => fn(), signal, waitSignal)
  const wrapped: DataWriter = {
    write: (batch: RecordBatch) => run(() => writer.write(batch)),
    flush: () => run(() => writer.flush()),
    commit: (info: CommitInfo) => run(() => writer.commit(info)),
    rollback: () => writer.rollback(),
    close: () => writer.close(),
  }
  const out: DataWriter = { ...wrapped }
  if (writer.committedPositions !== undefined) {
    const positions = writer.committedPositions.bind(writer)
    out.committedPositions = () => run(() => positions())
  }
  if (writer.committedCheckpoint !== undefined) {
    const checkpoint = writer.committedCheckpoint.bind(writer)
    out.committedCheckpoint = () => run(() => checkpoint())
  }

  return out
}

/**
 * A reader whose `read`, `commit` and `seek` go through an endpoint's policies. A failed `read` must not
 * have moved the reader (the core contract: the position moves with a returned batch), so retrying it
 * neither skips nor repeats records.
 */
export function resilientReader(reader: DataReader, resilience: EndpointResilience, signal?: AbortSignal): DataReader {
  const run = <T>(fn: () => Promise<T>) => resilience.execute(() => fn(), signal)

  return {
    read: (): Promise<ReadResult> => run(() => reader.read()),
    commit: (position: Position) => run(() => reader.commit(position)),
    seek: (position: Position) => run(() => reader.seek(position)),
    hasMore: () => reader.hasMore(),
    close: () => reader.close(),
    // Kept only when the reader has it: its absence tells the job to count the first idle as caught up.
    ...(reader.caughtUp === undefined ? {} : { caughtUp: () => reader.caughtUp!() }),
    ...(reader.pendingSplits === undefined ? {} : { pendingSplits: () => reader.pendingSplits!() }),
    ...(reader.heldSplits === undefined ? {} : { heldSplits: () => reader.heldSplits!() }),
  }
}
