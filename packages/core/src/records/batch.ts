import type { Schema } from '../schema/schema.js'
import type { Row, Value } from '../types/value.js'

export interface Header {
  readonly key: string
  /** `null` keeps a header that was sent without a value; repeated keys are repeated entries. */
  readonly value: Uint8Array | null
}

/** What a record carries besides its fields, when its source has it. */
export interface RecordMeta {
  readonly key?: Value
  /** Ordered, repeated keys allowed. */
  readonly headers?: readonly Header[]
  /** The record's own timestamp (Kafka message time, file modification time...), epoch nanoseconds. */
  readonly timestamp?: bigint
  /** Partition, shard or file the record came from. */
  readonly partition?: number | string
  /** The topic, stream or table the record came from, when a source reads several (Kafka topics). */
  readonly topic?: string
  /** Offset within the partition, or byte offset within a file. */
  readonly offset?: bigint
  /** The original bytes, kept where a source can, so a dead-letter sink can store them as they were. */
  readonly raw?: Uint8Array | string
}

/**
 * The name of the split (partition) a record came from, as event-time watermarks keep them apart and
 * `DataReader.pendingSplits` lists them: `topic:partition` when the record names its topic (partition 0 of two
 * Kafka topics are two splits; `:` cannot occur in a Kafka topic name), else the partition alone.
 */
export function splitName(partition: number | string | undefined, topic: string): string
export function splitName(partition: number | string | undefined, topic?: string): number | string | undefined
export function splitName(partition: number | string | undefined, topic?: string): number | string | undefined {
  return topic === undefined ? partition : `${topic}:${partition ?? ''}`
}

/**
 * Where one record came from in its source, as a dead-letter entry names it: `{ file, line, byte }` for a
 * line format, `{ file, row }` for Parquet, `{ topic, partition, offset }` for a log.
 */
export type RowLocation = Readonly<Record<string, string | number | bigint>>

/**
 * Whether a row adds, replaces or removes. Append-only streams are all `INSERT`; an `EMIT CHANGES`
 * aggregation emits `UPDATE_AFTER` rows that replace the previous row of the same key (and `DELETE` when a
 * group disappears), which sinks that support upserts apply by key.
 */
export const ChangeKind = {
  INSERT: 0,
  UPDATE_BEFORE: 1,
  UPDATE_AFTER: 2,
  DELETE: 3,
} as const
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind]

/**
 * Many records with one schema.
 *
 * Why rows of arrays: the engine compiles each expression into a function that reads `row[i]` with `i`
 * fixed at plan time. Arrays with a fixed length give V8 one hidden class for every row and element
 * access without property lookup, whereas objects keyed by column name take a dictionary or polymorphic
 * lookup per field, and columnar arrays would force every operator to gather a record back together for
 * row-wise expressions, joins and state. Connectors that read columnar formats (Parquet, Arrow) convert once,
 * at the edge. Metadata sits in a parallel array that is absent when a source has none, so file batches
 * pay nothing for Kafka's headers.
 */
export interface RecordBatch {
  readonly schema: Schema
  readonly rows: Row[]
  /** `meta[i]` belongs to `rows[i]`; absent when no record has metadata. */
  readonly meta?: ReadonlyArray<RecordMeta | undefined>
  /** `kinds[i]` is the change kind of `rows[i]`; absent means every row is an INSERT. */
  readonly kinds?: Uint8Array
  /**
   * For upserts and deletes: the positions of the fields that form the key the row replaces. Set by an
   * `EMIT CHANGES` aggregation (its GROUP BY columns) or a sink's `PRIMARY KEY`.
   */
  readonly keyFields?: readonly number[]
  /**
   * Where `rows[index]` came from, for sources whose records have no `meta` of their own (files): asked only
   * when a row fails later (an evaluation error names its file and line), so a source keeps a number or two
   * per row instead of an object.
   */
  readonly locate?: (index: number) => RowLocation | undefined
}

export function batchOf(schema: Schema, rows: Row[], extra: Omit<RecordBatch, 'schema' | 'rows'> = {}): RecordBatch {
  return { schema, rows, ...extra }
}

/** A batch's rows as objects keyed by field name; for tests, printing and JSON, never a hot path. */
export function batchToObjects(batch: RecordBatch): Array<Record<string, Value>> {
  const names = batch.schema.names

  return batch.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i] ?? null])))
}
