import type { DataType, Schema } from '@ferris/core'
import type { RecoveryConfig } from '@ferris/recovery'
import type { BoundAggregate } from '../analyzer/aggregate-functions.js'
import type { BoundExpr } from '../analyzer/bound-expr.js'
import type { EndpointRef, JobSettings } from '../analyzer/endpoints.js'
import type { BoundFunction } from '../functions/function-definition.js'
import type { EmitMode, Statement } from '../parser/ast.js'
import type { SourceText } from '../parser/source-text.js'

/**
 * The operator tree of one statement, from its source scan up to the sink. Each node knows its output
 * schema. Stateless operators exist today; `aggregate`, `window` and `join` nodes slot in between `filter`
 * and `project` (their execution keeps state that checkpoints save), without changing the others.
 */
export type PlanNode = ScanNode | FilterNode | ProjectNode | LimitNode | AggregateNode | JoinNode | OverNode

/**
 * A stream joined to a table: `input` is the stream (a scan, or an earlier join when several are chained); the
 * table is a bounded source the runner reads fully before the stream starts and the operator keeps in memory,
 * keyed by the equi-join columns. Output: the input's columns, then the table's (NULLs on the side without a
 * match for LEFT, RIGHT and FULL). With `interval` the right side is a second stream instead of a table.
 */
export interface JoinNode {
  readonly kind: 'join'
  readonly input: PlanNode
  /** RIGHT and FULL emit the table rows no stream row matched when the stream ends (bounded streams only). */
  readonly type: 'inner' | 'left' | 'right' | 'full'
  readonly table: { readonly source: string; readonly schema: Schema }
  /** Equi-join keys: `streamKeys[i]` over a stream row equals `tableKeys[i]` over a table row. */
  readonly streamKeys: readonly BoundExpr[]
  readonly tableKeys: readonly BoundExpr[]
  /** The rest of ON, over the joined row; a pair matches only when it is TRUE. */
  readonly residual?: BoundExpr
  /**
   * Set for a stream-to-stream interval join (`ON ... AND r.t BETWEEN s.t + lower AND s.t + upper`): both sides
   * are streams read together, each side's rows buffered until the other side's event time passes the bound.
   */
  readonly interval?: {
    readonly streamTime: BoundExpr
    readonly tableTime: BoundExpr
    readonly lower: bigint
    readonly upper: bigint
    /** The larger `'<source>.watermark.delay'` of the two streams. */
    readonly delay: bigint
    /** `job.late_records`: what happens to a row behind its own side's watermark. */
    readonly lateRecords: LateRecords
    /** `job.allowed_lateness` with `update`: how far behind its watermark a side still joins rows. */
    readonly allowedLateness: bigint
  }
  readonly schema: Schema
}

export interface ScanNode {
  readonly kind: 'scan'
  /** The endpoint name the rows come from. */
  readonly source: string
  /** Names the columns answer to as qualifiers: the source name and its alias. */
  readonly qualifiers: readonly string[]
  readonly schema: Schema
}

export interface FilterNode {
  readonly kind: 'filter'
  readonly input: PlanNode
  readonly predicate: BoundExpr
  readonly schema: Schema
}

export interface ProjectNode {
  readonly kind: 'project'
  readonly input: PlanNode
  readonly exprs: readonly BoundExpr[]
  readonly schema: Schema
}

export interface LimitNode {
  readonly kind: 'limit'
  readonly input: PlanNode
  readonly count: number
  readonly schema: Schema
}

/** One aggregate of an `AggregateNode`: the bound function and its argument over the input rows. */
export interface AggregateCall {
  readonly aggregate: BoundAggregate
  /** Absent for COUNT(*). */
  readonly arg?: BoundExpr
  /** `FILTER (WHERE ...)`: rows for which it is not TRUE are left out of this aggregate. */
  readonly filter?: BoundExpr
  readonly distinct: boolean
  /** The call as written, for EXPLAIN. */
  readonly text: string
}

/**
 * GROUP BY without a window. Output: the group keys, then one column per aggregate. With `changes` it emits
 * the new row of every group a batch changed (UPDATE_AFTER, key fields set, so an upserting sink replaces
 * it); with `final` it emits every group once, when the input ends.
 */
export interface AggregateNode {
  readonly kind: 'aggregate'
  readonly input: PlanNode
  readonly keys: readonly BoundExpr[]
  readonly aggregates: readonly AggregateCall[]
  readonly emit: EmitMode
  /** Set for `GROUP BY ..., WINDOW ...`: the output then has `window_start`, `window_end` after the keys. */
  readonly window?: WindowSpec
  /**
   * `HAVING` of an unwindowed `EMIT CHANGES` aggregate, over its output row: the operator keeps which groups
   * passed, so that a group that stops passing is retracted (a DELETE). Otherwise HAVING is a filter above.
   */
  readonly having?: BoundExpr
  readonly schema: Schema
}

/**
 * One row window (`... OVER (PARTITION BY ... ORDER BY ... [frame])`) shared by the window functions of a
 * select list that have this PARTITION BY and ORDER BY. Output: one row per input row, the input's first
 * columns, then one column per window function of the whole select list; this node fills in
 * its calls' columns (`slots`) and a row window stacked on it the others.
 */
export interface OverNode {
  readonly kind: 'over'
  readonly input: PlanNode
  readonly partitionBy: readonly BoundExpr[]
  readonly orderBy: readonly OverOrderKey[]
  /**
   * `event_time`: ORDER BY starts with an ascending TIMESTAMP; rows wait per partition until the watermark
   * passes them and are released in event-time order. `sorted`: anything else; each partition is held
   * until a bounded input ends and then sorted, as PostgreSQL does (an unbounded input is refused).
   */
  readonly order: OverEventTime | { readonly kind: 'sorted' }
  readonly calls: readonly OverCall[]
  /** The output column of each call. */
  readonly slots: readonly number[]
  /** The OVER clause as written, for EXPLAIN. */
  readonly text: string
  readonly schema: Schema
}

export interface OverOrderKey {
  readonly expr: BoundExpr
  readonly descending: boolean
  readonly nullsFirst: boolean
}

export interface OverEventTime {
  readonly kind: 'event_time'
  /** `'<source>.watermark.delay'` in nanoseconds. */
  readonly watermarkDelay: bigint
  /** `job.late_records`: `update` has no meaning for rows already emitted, so it is refused at plan time. */
  readonly lateRecords: 'drop' | 'dead_letter'
  readonly idleTimeout?: bigint
}

/**
 * A frame bound, relative to the current row: `unbounded` is the partition's first row (as a start) or
 * last row (as an end); `rows` is `offset` rows away (negative: preceding); `peers` is the first (start) or
 * last (end) row ordered equal to the current row (RANGE CURRENT ROW).
 */
export type OverBound =
  | { readonly kind: 'unbounded' }
  | { readonly kind: 'rows'; readonly offset: number }
  | { readonly kind: 'peers' }

export interface OverFrame {
  readonly start: OverBound
  readonly end: OverBound
  /** As written (or the default it stands for), for EXPLAIN. */
  readonly text: string
}

/** One window function call of an `OverNode`. */
export type OverCall =
  | { readonly fn: 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK'; readonly type: DataType; readonly text: string }
  | {
      readonly fn: 'LAG' | 'LEAD'
      readonly arg: BoundExpr
      readonly offset: number
      /** Evaluated on the current row when the row `offset` away does not exist; NULL when absent. */
      readonly default?: BoundExpr
      readonly type: DataType
      readonly text: string
    }
  | {
      readonly fn: 'AGGREGATE'
      readonly aggregate: BoundAggregate
      /** Absent for COUNT(*). */
      readonly arg?: BoundExpr
      readonly filter?: BoundExpr
      readonly frame: OverFrame
      readonly type: DataType
      readonly text: string
    }

/** What the late-record policy does with a record whose windows have all closed. */
export type LateRecords = 'drop' | 'dead_letter' | 'update'

/** An event-time window of a grouped aggregation; all times are nanoseconds. */
export interface WindowSpec {
  readonly kind: 'tumbling' | 'sliding' | 'session'
  /** Event time: a timestamp column, an integer column of epoch milliseconds, or `_timestamp`. */
  readonly time: BoundExpr
  readonly timeInMillis: boolean
  /** Tumbling and sliding: the window length; session: the gap. */
  readonly size: bigint
  /** Sliding: the distance between window starts. */
  readonly advance?: bigint
  /** `'<source>.watermark.delay'`: the out-of-orderness the watermark allows (0 by default). */
  readonly watermarkDelay: bigint
  readonly lateRecords: LateRecords
  /** `job.allowed_lateness` with `update`: how long after its end a window still takes late records. */
  readonly allowedLateness: bigint
  /** `job.idle_timeout`: after this long without records the watermark follows the wall clock. */
  readonly idleTimeout?: bigint
}

/**
 * A table a job reads beside its stream: the table side of a join, or what a subquery reads. The runner holds
 * its rows in memory (one entry per live key), loads its contents before the first stream row, and, for a
 * live table, applies its changes as they arrive between stream batches.
 */
export interface TableInput {
  /** The name statements use: a source, or a `CREATE TABLE ... AS SELECT`. */
  readonly name: string
  /** The endpoint the table's rows (or its query's input) come from. */
  readonly source: string
  /** The schema read from the source. */
  readonly sourceSchema: Schema
  /** The table's rows. */
  readonly schema: Schema
  /** Key columns of `schema`: a row replaces (or a DELETE removes) the row with its key. Absent: rows only add. */
  readonly key?: readonly number[]
  /** An unbounded source read as a table: kept current by its changes; its rows and position are checkpointed. */
  readonly live: boolean
  /** `CREATE TABLE name AS SELECT ...`: the query from the source's scan up to the table's rows. */
  readonly query?: PlanNode
}

/**
 * `x [NOT] IN (SELECT ...)`, `[NOT] EXISTS (SELECT ...)` or a scalar `(SELECT ...)` over a table, evaluated
 * against the table's state when a row is processed. Equalities between a table expression and an outer
 * one correlate it: only table rows whose `inner` values equal the row's `outer` values take part.
 */
export interface SubquerySpec {
  readonly id: number
  readonly kind: 'in' | 'exists' | 'scalar'
  readonly negated: boolean
  /** The `TableInput` it reads. */
  readonly table: string
  /** The rest of the subquery's WHERE, over table rows. */
  readonly filter?: BoundExpr
  readonly inner: readonly BoundExpr[]
  readonly outer: readonly BoundExpr[]
  /** IN: the table expression compared with the operand (`eq` binds their `=`); scalar: the value returned. */
  readonly value?: BoundExpr
  readonly eq?: BoundFunction
  /** IN: equal values of both sides hash alike (one type family), so a hash set answers; else `eq` scans. */
  readonly hashed?: boolean
  /** A scalar subquery's aggregate (`SELECT max(v) FROM t`): always one row. */
  readonly aggregate?: { readonly aggregate: BoundAggregate; readonly arg?: BoundExpr; readonly distinct: boolean }
  /** The subquery as written, for EXPLAIN. */
  readonly text: string
}

/** Where a job's rows go: a sink endpoint, or back to the caller for a bare SELECT. */
export type SinkTarget = { readonly kind: 'endpoint'; readonly endpoint: EndpointRef } | { readonly kind: 'caller' }

/** One runnable statement. */
export interface JobPlan {
  readonly name: string
  readonly statement: Statement
  readonly sources: readonly EndpointRef[]
  /** Connector scheme of each source and of the sink, for EXPLAIN. */
  readonly connectors: Readonly<Record<string, string>>
  readonly sink: SinkTarget
  readonly root: PlanNode
  readonly emit?: EmitMode
  readonly settings: JobSettings
  /** Bad-record policy, dead-letter sinks and retries, from the `job.*` and `<name>.*` recovery keys. */
  readonly recovery: RecoveryConfig
  /** Tables read beside the stream (join table sides, subqueries), in the order they are loaded. */
  readonly tables?: readonly TableInput[]
  readonly subqueries?: readonly SubquerySpec[]
}

export interface ApplicationPlan {
  readonly source: SourceText
  readonly jobs: readonly JobPlan[]
}
