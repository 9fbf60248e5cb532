import type { FerrisError } from '../errors/ferris-error.js'
import type { Logger } from '../logging/logger.js'
import type { RecordMeta } from '../records/batch.js'
import type { Value } from '../types/value.js'

/** A record that could not be read or written, with everything a dead-letter entry needs. */
export interface BadRecord {
  readonly error: FerrisError
  /** The original bytes or text when the record could not be decoded, else its values. */
  readonly raw?: Uint8Array | string
  readonly values?: Readonly<Record<string, Value>>
  /** The source or sink name (`orders`) and its position, e.g. `{ file, line, byte }` or `{ topic, partition, offset }`. */
  readonly origin: string
  readonly position?: Readonly<Record<string, string | number | bigint>>
  readonly meta?: RecordMeta
  readonly attempts?: number
}

/**
 * Counters a connector reports. The job turns them into metrics; a connector never needs to know which
 * metrics library is behind them.
 */
export interface ConnectorMetrics {
  count(name: string, by?: number, labels?: Readonly<Record<string, string>>): void
  gauge(name: string, value: number, labels?: Readonly<Record<string, string>>): void
  observe(name: string, value: number, labels?: Readonly<Record<string, string>>): void
}

export const noopMetrics: ConnectorMetrics = { count: () => {}, gauge: () => {}, observe: () => {} }

/** What the host gives every source and sink it creates. */
export interface ConnectorContext {
  /** The name the application gives this source or sink (`orders` in `FROM orders`). */
  readonly name: string
  readonly logger: Logger
  readonly metrics: ConnectorMetrics
  /** Aborted when the job stops: long waits (polling, reconnecting) must end promptly. */
  readonly signal: AbortSignal
  /**
   * Hands a bad record to the job's policy: with `fail` it throws the record's error (let it propagate);
   * with `skip` it counts and returns; with `dead_letter` it queues the record for the dead-letter sink.
   * Readers call it for records they cannot decode and go on with the rest of the batch.
   */
  readonly reportBadRecord: (record: BadRecord) => void
  /** Working directory for relative paths. */
  readonly cwd: string
}
