import type { RecordBatch } from '../records/batch.js'
import type { Schema } from '../schema/schema.js'
import type { Position } from './position.js'
import type { SourceEndpoint } from './source.js'

export interface SinkCapabilities {
  /** `commit` makes everything since the previous commit visible at once, or none of it. */
  readonly transactions: boolean
  /** Rows with `ChangeKind.UPDATE_AFTER`/`DELETE` replace or remove by key instead of appending. */
  readonly upsert: boolean
  /** Writing the same records again after a crash does not duplicate them (dedup tokens, deterministic names). */
  readonly idempotent: boolean
  /**
   * The sink stores the source positions inside its own commit and gives them back from
   * `DataWriter.committedPositions`, which gives exactly-once when the job restarts from them.
   */
  readonly storesPositions: boolean
}

/** What the job tells a writer at each commit. */
export interface CommitInfo {
  /** Increases by one with every checkpoint of the job; a sink may use it to make names or tokens deterministic. */
  readonly checkpointId: number
  /** Source positions covered by this commit, by source name. */
  readonly positions: Readonly<Record<string, Position>>
}

/** One source of the job, as the job describes it to its sinks (`WriterOptions.sources`). */
export interface UpstreamSource {
  /** The source's name in the application (`orders` in `FROM orders`). */
  readonly name: string
  /** The URI scheme of the connector that reads it (`kafka`, `file`, `postgres`). */
  readonly connector: string
  /** What the source says about where it reads (`DataSource.endpoint`), when it says. */
  readonly endpoint?: SourceEndpoint
  /**
   * True when `CommitInfo.positions[name]` carries this source's own position, in its connector's shape. False
   * for a lookup table (read whole at every start, no position) and for a stream read beside another one
   * (a stream-to-stream join), whose positions the job keeps together under the first stream's name.
   */
  readonly positioned: boolean
}

export interface WriterOptions {
  /** The schema of the rows the job will write. */
  readonly schema: Schema
  /** Stable identity of the job, for transactional ids, dedup tokens and position tables. */
  readonly jobId: string
  /**
   * The id of the job's last completed checkpoint (0 for a new job). The next `commit` carries a larger id.
   * Sinks that derive names or dedup tokens from checkpoint ids use it to name output written before that
   * first commit (rows flushed under memory pressure) the way a replay after a crash will name it again.
   */
  readonly lastCheckpointId?: number
  /**
   * The job's sources, the one that drives it first. A sink that can store source positions inside its own
   * commit (`storesPositions`) uses it to find the ones it can store (a Kafka source on the sink's cluster) and
   * where (their consumer group), without the user repeating the source's settings. Absent when the host
   * does not say (older hosts, a writer created outside a job).
   */
  readonly sources?: readonly UpstreamSource[]
}

/**
 * Writes batches. Calls are not concurrent. When a call fails with a retryable FerrisError, the job's retry
 * policy calls the same method again with the same arguments, without `rollback()` in between: a writer must
 * either make that retry safe (reconnect, and replay what the lost connection had not committed) or fail with a
 * non-retryable error, after which the job stops and restarts from its last checkpoint.
 * The durability promise of each method is part of the contract:
 * the job commits source positions only after `commit` resolved on every sink.
 */
export interface DataWriter {
  /**
   * Accepts rows. They may be buffered: nothing is promised durable or visible until `commit`. Rows carrying
   * `ChangeKind.UPDATE_AFTER` or `DELETE` are applied by key when the sink supports upserts and appended
   * (with the kind as a column where the format has one) otherwise. Rejected rows go to the bad-record
   * policy through the context rather than failing the whole batch, when the sink can tell which row failed.
   */
  write(batch: RecordBatch): Promise<void>
  /**
   * Hands buffered rows to the system without promising visibility (a file's buffer written, a producer's
   * queue sent). Called under memory pressure and before `commit`.
   */
  flush(): Promise<void>
  /**
   * When it resolves, everything written before it is durable and visible (files renamed into place, a
   * transaction committed, Kafka acknowledgements received), and, with `storesPositions`, the positions
   * in `info` are stored atomically with it. It must be safe to call again with the same `info` after a
   * crash: a sink that is not `idempotent` may then duplicate rows, which at-least-once allows.
   */
  commit(info: CommitInfo): Promise<void>
  /** Discards what was written since the last commit, where the sink can (transactions, files set aside). */
  rollback(): Promise<void>
  /** For `storesPositions` sinks: the positions stored by the last successful commit, to resume from. */
  committedPositions?(): Promise<Readonly<Record<string, Position>> | undefined>
  /**
   * For `storesPositions` sinks that also keep the `checkpointId` of their commits: the last successful
   * commit's id and positions. A job keeps the operator state of a checkpoint whose commit may or may not have
   * completed before a crash, and uses the id to tell which state belongs to the output the sink holds; without
   * it the job compares positions, which cannot tell two checkpoints at the same positions apart.
   */
  committedCheckpoint?(): Promise<CommitInfo | undefined>
  /** Releases resources. Does not commit: uncommitted rows are rolled back. Idempotent. */
  close(): Promise<void>
}

/** A place records go to, created by a connector's factory from validated options. */
export interface DataSink {
  readonly capabilities: SinkCapabilities
  /** Connects and checks the target is writable (a folder exists, a topic or table can be created). */
  open(): Promise<void>
  /**
   * Checks the rows of `schema` can be written, before any record flows: column names and types against an
   * existing table, or types the format cannot hold. Throws FERRIS_SCHEMA_MISMATCH naming the column.
   */
  validateSchema(schema: Schema): Promise<void>
  createWriter(options: WriterOptions): Promise<DataWriter>
  close(): Promise<void>
}
