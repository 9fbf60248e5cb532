import type { RecordBatch } from '../records/batch.js'
import type { Schema } from '../schema/schema.js'
import type { Position } from './position.js'

export interface SourceCapabilities {
  /** The source ends (a file, a snapshot, a Kafka topic read to its end offsets); otherwise it follows new data. */
  readonly bounded: boolean
  /** `DataReader.seek` works. */
  readonly seek: boolean
  /** `DataReader.commit` records progress outside the job (Kafka group offsets, a replication slot). */
  readonly commit: boolean
  /** `DataSource.discoverSchema` can answer without a declared schema. */
  readonly schemaDiscovery: boolean
  /** Records carry `RecordMeta.timestamp`. */
  readonly timestamps: boolean
  /**
   * What the batch's `kinds` mean. Absent: an append-only stream (every row an INSERT).
   * - `retract`: a change stream whose retractions carry the whole old row: an update is an UPDATE_BEFORE row
   *   (the old values) then an UPDATE_AFTER row (the new ones), a delete is a DELETE row with the old values
   *   (PostgreSQL change capture with REPLICA IDENTITY FULL). Stateful operators can undo the old row exactly.
   * - `upsert`: a keyed changelog: an UPDATE_AFTER row replaces the row of its key, whatever it was, and a
   *   DELETE row carries only the key (a compacted Kafka topic). The old values are not in the stream.
   */
  readonly changelog?: 'retract' | 'upsert'
}

export interface ReaderOptions {
  /** The schema the job expects; a reader converts to it and reports records that do not fit as bad. */
  readonly schema: Schema
  /** Resume after this position (from a checkpoint). Absent: start where the source's options say. */
  readonly from?: Position
  /**
   * Read everything the source holds; ignore positions stored outside the job (consumer-group offsets, a
   * replication slot's confirmed position) and start options that skip part of it. Set when the job reads the
   * source as a table and has no checkpoint position for it: a table must hold the source's whole current
   * state, not the changes after some earlier run. Ignored when `from` is given. Absent: false.
   */
  readonly fromStart?: boolean
  /** A hint for how many records a batch should hold; readers may return fewer, or more for columnar input. */
  readonly batchSize: number
}

/** The result of one `read()`. */
export type ReadResult =
  /** Records, and the position just after the last of them. */
  | { readonly kind: 'batch'; readonly batch: RecordBatch; readonly position: Position }
  /** Nothing new now; an unbounded source returns this instead of blocking forever, so the job can flush and checkpoint. */
  | { readonly kind: 'idle'; readonly position: Position }
  /** A bounded source has handed over everything. */
  | { readonly kind: 'end'; readonly position: Position }

/**
 * Reads records in batches. One reader is used by one job at a time; calls are not concurrent.
 */
export interface DataReader {
  /**
   * The next batch. May wait a short while for data (at most about the poll interval of the source) and
   * then returns `idle`. Records that cannot be decoded go to `ConnectorContext.reportBadRecord` and are left
   * out of the batch; the position still moves past them, so they are never read twice.
   */
  read(): Promise<ReadResult>
  /**
   * Records that everything up to `position` has been processed and made durable downstream. A source
   * with `capabilities.commit` stores it (consumer-group offsets, a replication slot's confirmed LSN);
   * others may do nothing. Only called after every sink has committed the output up to that position.
   */
  commit(position: Position): Promise<void>
  /** Moves so the next `read()` returns records after `position`. Only when `capabilities.seek`. */
  seek(position: Position): Promise<void>
  /** False once a bounded source has returned `end`. */
  hasMore(): boolean
  /**
   * Optional, for unbounded sources that can tell: true once every record that existed when the reader was
   * created has been handed over (Kafka: the end offsets at that moment; change data capture: the end of the
   * snapshot). A job that reads the source as a table loads it up to here before its stream starts; without
   * this method it takes the reader's first `idle` (or `end`) as that point.
   */
  caughtUp?(): boolean
  /**
   * Optional, for sources read in partitions: the partitions (named by `splitName(partition, topic)` of their records' `RecordMeta`) that hold
   * records this reader has not handed over yet. Event-time operators keep a watermark per partition and
   * follow the slowest; a partition listed here holds the watermark back until it delivered its first record,
   * so records of a partition read later than the others (a backfill) are not judged late. A partition that
   * has nothing to read should not be listed, or it would hold the watermark until it has. Asked after every
   * `read()`.
   */
  pendingSplits?(): readonly (number | string)[]
  /**
   * Optional, beside `pendingSplits`: every partition this reader holds now, named the same way. A partition
   * that delivered records and is no longer held (a consumer-group rebalance gave it to another process) stops
   * holding the watermark; without this method it holds it at its last event time for good. Asked after every
   * `read()`.
   */
  heldSplits?(): readonly (number | string)[]
  /** Releases files, sockets and timers. Idempotent. Does not commit. */
  close(): Promise<void>
}

/**
 * Where a source reads, as its connector describes it from its options (no I/O). The job passes it to the
 * job's sinks (`WriterOptions.sources`), so that a sink of the same system can store the source's progress
 * inside its own commit (a Kafka sink committing a Kafka source's group offsets in its transaction) without
 * the user repeating the source's settings. Each connector documents what it fills in.
 */
export interface SourceEndpoint {
  /** The servers the source connects to, `host:port` as configured (Kafka's bootstrap servers). */
  readonly servers?: readonly string[]
  /** What it reads (topics, tables, paths); absent when only known once open (a topic pattern). */
  readonly objects?: readonly string[]
  /**
   * Where `DataReader.commit` records progress outside the job: a Kafka consumer group, a replication slot.
   * Its positions (the source's own `Position` shape) are what a sink would store there.
   */
  readonly consumerGroup?: string
}

/**
 * A place records come from, created by a connector's factory from validated options. Creating it opens
 * nothing; `open` connects and checks that the place exists and is readable.
 */
export interface DataSource {
  readonly capabilities: SourceCapabilities
  /** What the source reads and where it commits progress, for the job's sinks; optional. */
  readonly endpoint?: SourceEndpoint
  /** Connects, authenticates, and checks the named object exists. Fails with a FerrisError saying which. */
  open(): Promise<void>
  /** The schema of the data, when the source can tell (a Parquet footer, a table, a sample of CSV). */
  discoverSchema(): Promise<Schema | undefined>
  createReader(options: ReaderOptions): Promise<DataReader>
  close(): Promise<void>
}
