import type { JsonValue, RecordBatch, RecordMeta, Row, Schema } from '@ferris/core'
import type { FilterNode, JoinNode, LimitNode, PlanNode, ProjectNode } from '../planner/logical-plan.js'
import { AggregateOperator } from './aggregate-operator.js'
import { ChangelogNormalizeOperator } from './changelog-normalize-operator.js'
import { type CompiledExpr, compileExpression, type MutableEvalContext } from './compile-expression.js'
import { IntervalJoinOperator } from './interval-join-operator.js'
import { JoinOperator } from './join-operator.js'
import type { AggregateStateOptions } from './retraction.js'
import { RowWindowOperator } from './row-window-operator.js'
import { TableState } from './table-state.js'
import { WindowedAggregateOperator } from './windowed-aggregate-operator.js'

/**
 * A batch inside the pipeline. `origin[i]` is the index in the source batch that `rows[i]` came from, so an
 * error in any operator can name the record's source position; absent means row `i` is source row `i`.
 */
export interface PipelineBatch extends RecordBatch {
  readonly origin?: Uint32Array
}

/**
 * What happens to a row whose evaluation failed (overflow, a bad cast): the job's bad-record policy. It
 * throws to fail the job, or returns and the row is left out.
 */
export type RowErrorHandler = (error: unknown, sourceIndex: number, row: Row) => void

/**
 * One step of a query's pipeline. `process` is synchronous and handles a whole batch: nothing awaits per
 * record. Stateful operators (aggregates, windows, joins) implement `finish` to emit what they hold at the
 * end of bounded input, and `snapshot`/`restore` so that checkpoints save their state.
 */
export interface Operator {
  readonly schema: Schema
  process(batch: PipelineBatch): PipelineBatch
  /** True once no further input can change the output (LIMIT reached): the job may stop reading. */
  readonly done: boolean
  finish?(): PipelineBatch[]
  /**
   * Before the first batch: whether the job's stream ends. An operator that could never emit on an
   * unbounded input (one that sorts its whole input) throws here, before anything is read.
   */
  start?(input: { readonly bounded: boolean; readonly source: string }): void
  /** The source is idle (`wallNanos` is the wall clock): an event-time operator may move its watermark. */
  idle?(wallNanos: bigint): PipelineBatch[]
  /**
   * Event-time operators: the source's partitions with unread records, which hold the watermark
   * (`Watermark.expect`). `side` names the stream of a stream-to-stream join (0 the first, 1 the second); it is
   * absent for a job with one stream. `held`: every partition the source holds, when it says (`DataReader.heldSplits`).
   */
  expectSplits?(splits: readonly (number | string)[], side?: 0 | 1, held?: readonly (number | string)[]): void
  snapshot?(): JsonValue
  restore?(state: JsonValue): void
  /** Event-time operators: their watermark (epoch nanoseconds), which the watermark-lag metric reads. */
  readonly watermark?: bigint
  /** Event-time operators: late rows dropped (or handed to the bad-record policy) so far. */
  readonly lateRecords?: number | undefined
}

function sourceIndex(batch: PipelineBatch, i: number): number {
  return batch.origin === undefined ? i : batch.origin[i]!
}

export class FilterOperator implements Operator {
  readonly schema: Schema
  readonly done = false
  readonly #predicate: CompiledExpr
  readonly #onError: RowErrorHandler

  constructor(node: FilterNode, context: MutableEvalContext, onError: RowErrorHandler) {
    this.schema = node.schema
    this.#predicate = compileExpression(node.predicate, context)
    this.#onError = onError
  }

  process(batch: PipelineBatch): PipelineBatch {
    const { rows, meta, kinds } = batch
    const predicate = this.#predicate
    const n = rows.length
    const outRows: Row[] = []
    const origin = new Uint32Array(n)
    const outMeta: Array<RecordMeta | undefined> | undefined = meta === undefined ? undefined : []
    const outKinds: number[] | undefined = kinds === undefined ? undefined : []
    for (let i = 0; i < n; i++) {
      const row = rows[i]!
      let keep: unknown
      try {
        keep = predicate(row, meta?.[i])
      } catch (error) {
        this.#onError(error, sourceIndex(batch, i), row)
        continue
      }
      if (keep === true) {
        origin[outRows.length] = sourceIndex(batch, i)
        outRows.push(row)
        outMeta?.push(meta![i])
        outKinds?.push(kinds![i]!)
      }
    }

    return withRows(batch, this.schema, outRows, outMeta, outKinds, origin.subarray(0, outRows.length))
  }
}

export class ProjectOperator implements Operator {
  readonly schema: Schema
  readonly done = false
  readonly #project: (row: Row, meta: RecordMeta | undefined) => Row
  readonly #onError: RowErrorHandler
  /** Input column → output column, for the columns passed through; carries `keyFields` across. */
  readonly #passed: Map<number, number>

  constructor(node: ProjectNode, context: MutableEvalContext, onError: RowErrorHandler) {
    this.schema = node.schema
    this.#onError = onError
    this.#passed = new Map()
    node.exprs.forEach((e, i) => {
      if (e.kind === 'column' && !this.#passed.has(e.index)) this.#passed.set(e.index, i)
    })
    // One generated function builds each output row as an array literal of fixed length: passed-through
    // columns are plain `row[i]` reads, computed ones call their compiled expression.
    const compiled: CompiledExpr[] = []
    const parts = node.exprs.map((e) => {
      if (e.kind === 'column') return `row[${e.index}] ?? null`
      compiled.push(compileExpression(e, context))
      return `e${compiled.length - 1}(row, meta)`
    })
    const names = compiled.map((_, i) => `e${i}`)
    this.#project = new Function(...names, `return function project(row, meta) { return [${parts.join(', ')}] }`)(
      ...compiled,
    ) as (row: Row, meta: RecordMeta | undefined) => Row
  }

  #keyFields(input: readonly number[] | undefined): number[] | undefined {
    if (input === undefined) return undefined
    const out = input.map((i) => this.#passed.get(i))

    return out.every((i) => i !== undefined) ? (out as number[]) : undefined
  }

  process(batch: PipelineBatch): PipelineBatch {
    const { rows, meta } = batch
    const project = this.#project
    const n = rows.length
    const out: Row[] = new Array(n)
    let failed: number[] | undefined
    for (let i = 0; i < n; i++) {
      try {
        out[i] = project(rows[i]!, meta?.[i])
      } catch (error) {
        this.#onError(error, sourceIndex(batch, i), rows[i]!)
        failed ??= []
        failed.push(i)
      }
    }
    const keyFields = this.#keyFields(batch.keyFields)
    if (failed === undefined) {
      const { keyFields: _dropped, ...rest } = batch
      return { ...rest, schema: this.schema, rows: out, ...(keyFields === undefined ? {} : { keyFields }) }
    }
    // Rare path: leave out the rows that failed, keeping metadata and origins aligned.
    const skip = new Set(failed)
    const keep = (_: unknown, i: number) => !skip.has(i)
    const origin = new Uint32Array(n - failed.length)
    let j = 0
    for (let i = 0; i < n; i++) if (!skip.has(i)) origin[j++] = sourceIndex(batch, i)

    return withRows(
      keyFields === undefined ? { schema: batch.schema, rows: [] } : { schema: batch.schema, rows: [], keyFields },
      this.schema,
      out.filter(keep),
      batch.meta?.filter(keep),
      batch.kinds === undefined ? undefined : [...batch.kinds].filter(keep),
      origin,
    )
  }
}

// Limitation: when the projection leaves out a GROUP BY key, rows carry no key fields and an upserting sink
// appends them instead of replacing.

export class LimitOperator implements Operator {
  readonly schema: Schema
  #remaining: number

  constructor(node: LimitNode) {
    this.schema = node.schema
    this.#remaining = node.count
  }

  get done(): boolean {
    return this.#remaining <= 0
  }

  process(batch: PipelineBatch): PipelineBatch {
    const n = batch.rows.length
    if (n <= this.#remaining) {
      this.#remaining -= n
      return batch
    }
    const take = this.#remaining
    this.#remaining = 0

    return {
      ...batch,
      rows: batch.rows.slice(0, take),
      ...(batch.meta === undefined ? {} : { meta: batch.meta.slice(0, take) }),
      ...(batch.kinds === undefined ? {} : { kinds: batch.kinds.slice(0, take) }),
      ...(batch.origin === undefined ? {} : { origin: batch.origin.subarray(0, take) }),
    }
  }

  snapshot(): JsonValue {
    return { remaining: this.#remaining }
  }

  restore(state: JsonValue): void {
    const remaining = (state as { remaining?: unknown } | null)?.remaining
    if (typeof remaining === 'number') this.#remaining = remaining
  }
}

function withRows(
  batch: PipelineBatch,
  schema: Schema,
  rows: Row[],
  meta: Array<RecordMeta | undefined> | undefined,
  kinds: number[] | undefined,
  origin: Uint32Array,
): PipelineBatch {
  return {
    schema,
    rows,
    ...(meta === undefined ? {} : { meta }),
    ...(kinds === undefined ? {} : { kinds: Uint8Array.from(kinds) }),
    ...(batch.keyFields === undefined ? {} : { keyFields: batch.keyFields }),
    origin,
  }
}

/** The operators of one plan, from the scan upward; the scan itself is the reader. */
export class Pipeline {
  readonly operators: readonly Operator[]
  readonly schema: Schema

  /**
   * `state`: what the aggregates need to know of their source (a change stream?) and of `job.state.ttl`;
   * `tables`: the job's tables by name (`JobTables`), which lookup joins read.
   */
  constructor(
    root: PlanNode,
    context: MutableEvalContext,
    onError: RowErrorHandler,
    state: AggregateStateOptions = {},
    tables?: ReadonlyMap<string, TableState>,
  ) {
    const ops: Operator[] = []
    // Aggregates over an upsert changelog read it through a ChangelogNormalizeOperator, which gives them old rows.
    const aggregateState: AggregateStateOptions =
      state.changelog === 'upsert' ? { ...state, changelog: 'retract' } : state
    const tableOf = (node: JoinNode) =>
      tables?.get(node.table.source) ??
      new TableState({
        name: node.table.source,
        source: node.table.source,
        sourceSchema: node.table.schema,
        schema: node.table.schema,
        live: false,
      })
    const build = (node: PlanNode): void => {
      if (node.kind === 'scan') return
      build(node.input)
      if (node.kind === 'filter') ops.push(new FilterOperator(node, context, onError))
      else if (node.kind === 'project') ops.push(new ProjectOperator(node, context, onError))
      else if (node.kind === 'aggregate')
        ops.push(
          node.window === undefined
            ? new AggregateOperator(node, context, onError, aggregateState)
            : new WindowedAggregateOperator(node, context, onError, aggregateState),
        )
      else if (node.kind === 'over') ops.push(new RowWindowOperator(node, context, onError))
      else if (node.kind === 'join')
        ops.push(
          node.interval === undefined
            ? new JoinOperator(node, context, onError, tableOf(node))
            : new IntervalJoinOperator(node, context, onError),
        )
      else ops.push(new LimitOperator(node))
    }
    build(root)
    if (
      state.changelog === 'upsert' &&
      ops.some((op) => op instanceof AggregateOperator || op instanceof WindowedAggregateOperator)
    ) {
      let scan = root
      while (scan.kind !== 'scan') scan = scan.input
      ops.unshift(new ChangelogNormalizeOperator(scan.schema, state.source ?? scan.source, onError))
    }
    this.operators = ops
    this.schema = root.schema
  }

  /** Runs a source batch through every operator. */
  process(batch: RecordBatch): PipelineBatch {
    let b: PipelineBatch = batch
    for (const op of this.operators) {
      if (b.rows.length === 0) break
      b = op.process(b)
    }

    return b.schema === this.schema ? b : { ...b, schema: this.schema }
  }

  get done(): boolean {
    return this.operators.some((op) => op.done)
  }

  /** End of bounded input: what stateful operators still hold. */
  finish(): PipelineBatch[] {
    const out: PipelineBatch[] = []
    this.operators.forEach((op, i) => {
      for (let b of op.finish?.() ?? []) {
        for (const next of this.operators.slice(i + 1)) b = next.process(b)
        out.push(b)
      }
    })

    return out
  }

  /** Late records of the event-time windows and interval joins, or undefined when the pipeline has none. */
  get lateRecords(): number | undefined {
    let late: number | undefined
    for (const op of this.operators) if (op.lateRecords !== undefined) late = (late ?? 0) + op.lateRecords

    return late
  }

  /** Before a batch: the source's partitions that still hold unread records (see `DataReader.pendingSplits`). */
  expectSplits(splits: readonly (number | string)[], side?: 0 | 1, held?: readonly (number | string)[]): void {
    for (const op of this.operators) op.expectSplits?.(splits, side, held)
  }

  /** Before the first batch: tells the operators whether the stream ends (see `Operator.start`). */
  start(input: { readonly bounded: boolean; readonly source: string }): void {
    for (const op of this.operators) op.start?.(input)
  }

  /** Groups dropped by `job.state.ttl`, or undefined when the pipeline has no unwindowed aggregate. */
  get evictedGroups(): number | undefined {
    let n: number | undefined
    for (const op of this.operators) if (op instanceof AggregateOperator) n = (n ?? 0) + op.evictedGroups

    return n
  }

  /** The source had nothing new: operators that follow the wall clock when idle (windows) may emit. */
  idle(wallNanos: bigint): PipelineBatch[] {
    const out: PipelineBatch[] = []
    this.operators.forEach((op, i) => {
      for (let b of op.idle?.(wallNanos) ?? []) {
        for (const next of this.operators.slice(i + 1)) b = next.process(b)
        out.push(b)
      }
    })

    return out
  }

  snapshot(): JsonValue {
    return this.operators.map((op) => op.snapshot?.() ?? null)
  }

  restore(state: JsonValue): void {
    if (!Array.isArray(state)) return
    this.operators.forEach((op, i) => {
      const s = (state as JsonValue[])[i]
      if (s !== undefined && s !== null) op.restore?.(s)
    })
  }
}
