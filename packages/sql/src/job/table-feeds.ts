import {
  type BadRecord,
  type DataReader,
  type DataSource,
  FerrisError,
  type JsonValue,
  type Position,
  type ReadResult,
  type RecordBatch,
  type Row,
  toFerrisError,
  type Value,
} from '@ferris/core'
import type { EndpointRef } from '../analyzer/endpoints.js'
import type { MutableEvalContext } from '../execution/compile-expression.js'
import type { JobTables } from '../execution/job-tables.js'
import { Pipeline } from '../execution/operators.js'
import type { TableState } from '../execution/table-state.js'
import type { TableInput } from '../planner/logical-plan.js'
import { changelogOf } from './aggregate-state.js'
import type { JobClosers } from './job-closers.js'

export interface TableFeedsSetup {
  readonly tables: JobTables
  readonly sources: ReadonlyMap<EndpointRef, DataSource>
  readonly refs: readonly EndpointRef[]
  readonly batchSize: number
  readonly signal: AbortSignal
  readonly context: MutableEvalContext
  /** Rows read per source, for progress. */
  readonly counted: (source: string, rows: number) => void
  /** Wraps a table's reader in its source's retries, breaker and timeout. */
  readonly wrap?: (reader: DataReader, source: string) => DataReader
  /** The job's bad-record policy, for table rows whose query fails to evaluate. */
  readonly report: (record: BadRecord) => void
  /** `job.state.ttl` for the GROUP BY of the tables' queries, as for the job's own. */
  readonly stateTtlMs?: number
  /** Processing time in epoch milliseconds for `job.state.ttl`; `Date.now` unless a test injects a clock. */
  readonly clock?: () => number
}

/** What a checkpoint keeps of a job's tables kept current by their changes. */
export interface TablesCheckpoint {
  /** Live rows per table. */
  readonly rows: Record<string, JsonValue>
  /** Operator state of each `CREATE TABLE ... AS SELECT` query over a source that does not end. */
  readonly queries: Record<string, JsonValue>
  /** The position after the last change applied, per table. */
  readonly positions: Record<string, Position>
}

interface Feed {
  readonly input: TableInput
  readonly state: TableState
  readonly query: Pipeline | undefined
  reader: DataReader | undefined
  position: Position | undefined
  pending: Promise<void> | undefined
  arrived: ReadResult | undefined
  failed: unknown
  ended: boolean
}

/**
 * Feeds a job's tables from their sources. `open` loads each table before the stream starts: a bounded
 * source to its end, a source that does not end up to the point it had reached when the job started (its
 * reader's `caughtUp`, else its first `idle`). Then `poll`, called before every stream batch, applies the
 * changes that arrived meanwhile: one read per table is in flight in the background, so a quiet table never
 * holds the stream back, and a change is applied between two stream batches, never within one.
 */
export class TableFeeds {
  readonly #s: TableFeedsSetup
  readonly #feeds: Feed[] = []

  constructor(setup: TableFeedsSetup) {
    this.#s = setup
  }

  async open(restored: TablesCheckpoint | undefined, closers: JobClosers): Promise<void> {
    // The checkpointed rows first: the changes read next (from the checkpointed positions) apply on top.
    if (restored !== undefined) this.#s.tables.restore(restored.rows)
    const opened = new Set<DataSource>()
    for (const state of this.#s.tables.states.values()) {
      const input = state.input
      const ref = this.#s.refs.find((r) => r.name === input.source)!
      const source = this.#s.sources.get(ref)!
      if (!opened.has(source)) {
        opened.add(source)
        await source.open()
        closers.connector(() => source.close())
      }
      if (!source.capabilities.bounded && !input.live) {
        throw new FerrisError(
          'FERRIS_UNSUPPORTED',
          `Source "${input.source}" is read as table ${input.name}, but it does not end and is not declared as a table`,
          {
            subject: input.source,
            hint: `Declare it as a table kept current by its change stream: CREATE TABLE ${input.source} (id BIGINT PRIMARY KEY, ...) WITH (...)`,
          },
        )
      }
      // The query learns whether its source is a change stream, so that its GROUP BY takes UPDATE_BEFORE and
      // DELETE rows back out and its DELETE rows (a group emptied) remove the key from the table.
      const query =
        input.query === undefined
          ? undefined
          : new Pipeline(input.query, this.#s.context, (error, index, row) => this.#bad(input, error, index, row), {
              ...changelogOf({ name: input.source, source }),
              ...(this.#s.stateTtlMs === undefined ? {} : { stateTtlMs: this.#s.stateTtlMs }),
              ...(this.#s.clock === undefined ? {} : { clock: this.#s.clock }),
            })
      // Limitation: a group job.state.ttl drops is dropped silently, so the table keeps its last row.
      query?.start({ bounded: source.capabilities.bounded, source: input.source })
      const live = input.live && source.capabilities.bounded === false
      if (live && restored !== undefined) query?.restore(restored.queries[input.name] ?? null)
      const from = live ? restored?.positions[input.name] : undefined
      const feed: Feed = {
        input,
        state,
        query,
        reader: undefined,
        position: from,
        pending: undefined,
        arrived: undefined,
        failed: undefined,
        ended: false,
      }
      const created = await source.createReader({
        schema: input.sourceSchema,
        batchSize: this.#s.batchSize,
        // No checkpoint position: the whole source, whatever positions it keeps outside the job (a Kafka
        // group's committed offsets) say, or a fresh run would load only the changes since an earlier one.
        ...(from === undefined || from === null ? { fromStart: true } : { from }),
      })
      const reader = this.#s.wrap?.(created, input.source) ?? created
      feed.reader = reader
      closers.part(() => this.#close(feed))
      this.#feeds.push(feed)
      await this.#load(feed, live)
      if (!live) {
        await this.#close(feed)
        feed.ended = true
      }
    }
  }

  /**
   * Reads a table up to where it stood when the job started: a bounded one to its end, so that its query's
   * `finish` (the groups of EMIT FINAL) fills it; a live one until its reader has caught up.
   */
  async #load(feed: Feed, live: boolean): Promise<void> {
    const reader = feed.reader!
    while (!this.#s.signal.aborted) {
      const r = await reader.read()
      feed.position = r.position
      if (r.kind === 'batch') this.#apply(feed, r.batch)
      if (r.kind === 'end') {
        this.#finish(feed)
        feed.ended = true
        return
      }
      // Limitation: readers without `caughtUp` (PostgreSQL CDC today) count their first idle as caught up; after a
      // restart from a checkpoint that idle may come before the changes since the checkpoint have arrived, and
      // they then apply while the stream runs.
      if (!live) continue
      const caughtUp = reader.caughtUp?.()
      if (caughtUp === true || (caughtUp === undefined && r.kind === 'idle')) return
    }
  }

  /** Applies the table changes that arrived since the last call and starts the next reads. */
  poll(): void {
    for (const feed of this.#feeds) {
      if (feed.ended) continue
      this.#take(feed)
      if (!feed.ended && feed.pending === undefined) {
        feed.pending = feed.reader!.read().then(
          (result) => {
            feed.arrived = result
          },
          (error) => {
            feed.failed = error ?? new Error('table read failed')
          },
        )
      }
    }
  }

  /** Waits for the reads in flight and applies them, leaving none in flight: state and positions then agree. */
  async settle(): Promise<void> {
    await Promise.all(this.#feeds.map((f) => f.pending))
    for (const feed of this.#feeds) if (!feed.ended) this.#take(feed)
  }

  #take(feed: Feed): void {
    if (feed.failed !== undefined) throw feed.failed
    const r = feed.arrived
    if (r === undefined) return
    feed.arrived = undefined
    feed.pending = undefined
    feed.position = r.position
    if (r.kind === 'batch') this.#apply(feed, r.batch)
    if (r.kind === 'end') {
      this.#finish(feed)
      feed.ended = true
    }
  }

  /** After `settle`: the live tables' rows, their queries' state and positions. */
  snapshot(): TablesCheckpoint | undefined {
    const live = this.#feeds.filter((f) => f.input.live && f.reader !== undefined)
    if (live.length === 0) return undefined
    const queries: Record<string, JsonValue> = {}
    const positions: Record<string, Position> = {}
    for (const f of live) {
      if (f.query !== undefined) queries[f.input.name] = f.query.snapshot()
      if (f.position !== undefined) positions[f.input.name] = f.position
    }

    return { rows: this.#s.tables.snapshot(), queries, positions }
  }

  /** Tells the live tables' readers that their changes up to the checkpoint are safe (after `settle`). */
  async commit(): Promise<void> {
    for (const f of this.#feeds) {
      if (f.reader !== undefined && f.pending === undefined && f.position !== undefined && f.position !== null) {
        await f.reader.commit(f.position)
      }
    }
  }

  #apply(feed: Feed, batch: RecordBatch): void {
    this.#s.counted(feed.input.source, batch.rows.length)
    if (feed.query === undefined) {
      feed.state.apply(batch)
      return
    }
    feed.state.apply(feed.query.process(batch))
  }

  /** A bounded table's query emits what it holds (EMIT FINAL groups) when its source ends. */
  #finish(feed: Feed): void {
    for (const b of feed.query?.finish() ?? []) feed.state.apply(b)
  }

  async #close(feed: Feed): Promise<void> {
    const reader = feed.reader
    if (reader === undefined) return
    feed.reader = undefined
    await feed.pending?.catch(() => {})
    await reader.close()
  }

  #bad(input: TableInput, error: unknown, index: number, row: Row): void {
    const cause = toFerrisError(error, 'FERRIS_EVALUATION')
    const values: Record<string, Value> = {}
    input.sourceSchema.names.forEach((n, i) => {
      values[n] = row[i] ?? null
    })
    this.#s.report({
      error: new FerrisError(
        cause.code,
        `Evaluating row ${index + 1} of a batch of table ${input.name} (source ${input.source}) failed: ${cause.message}`,
        {
          ...cause.context,
          subject: input.source,
          cause,
        },
      ),
      origin: input.source,
      position: { table: input.name, row: index + 1 },
      values,
    })
  }
}
