import type { DataType, RecordMeta, Value } from '@ferris/core'

/** What a function sees of the running query when it is evaluated. */
export interface EvalContext {
  /** The statement's start time in epoch nanoseconds: NOW() and CURRENT_TIMESTAMP are stable within a query. */
  readonly queryStartNanos: bigint
  /** The session time zone for local timestamps (IANA name), `UTC` by default. */
  readonly timeZone: string
  /**
   * The metadata of the record being evaluated (its key, headers, timestamp, partition, offset), for
   * `HEADER('name')` and `HEADER_KEYS()`. The engine sets it per row before evaluating an expression that
   * reads metadata; absent when the source has none, which those functions read as "no headers".
   */
  readonly meta?: RecordMeta | undefined
}

/** What a function may know about the query when it is bound (once per call site, at plan time). */
export interface BindContext {
  /** The session time zone (IANA name or `+hh:mm`); `UTC` when absent. NOW() returns a timestamp in it. */
  readonly timeZone?: string | undefined
}

/** A function bound to argument types: its result type and a specialised evaluator. */
export interface BoundFunction {
  /** The result type for the argument types it was bound to. */
  readonly type: DataType
  /** Whether the result can be NULL when no argument is NULL (e.g. NULLIF, JSON_VALUE). */
  readonly nullable?: boolean
  /**
   * When true (the default), the engine returns NULL without calling `evaluate` if any argument is NULL,
   * which is SQL's rule for most functions. COALESCE, CONCAT and the like set it to false.
   */
  readonly propagatesNull?: boolean
  /**
   * True when the result depends on `EvalContext.meta` (HEADER, HEADER_KEYS): the engine must then set the
   * current record's metadata on the context before each call.
   */
  readonly readsMeta?: boolean
  /** Evaluates one call. Arguments are already evaluated and of the bound types. Throws FerrisError on bad input. */
  evaluate(args: readonly Value[], context: EvalContext): Value
}

/**
 * A scalar function. `bind` runs once per call site when a query is planned: it checks arity and argument
 * types and returns a specialised implementation, so nothing is looked up or type-switched per record.
 */
export interface ScalarFunction {
  /** Upper-case SQL name. */
  readonly name: string
  readonly aliases?: readonly string[]
  /** One line for `ferris explain`/docs, e.g. `SUBSTRING(s, start [, length]) → STRING`. */
  readonly signature: string
  /**
   * Binds to argument types. On a wrong arity or type, throws a FerrisError (FERRIS_SQL_SEMANTIC) that says
   * which argument, the type seen and what is accepted; the planner adds the line and column.
   * `literals[i]` is the argument's value when it is a constant (a regex pattern, a DATE_TRUNC unit), so a
   * function can check or precompile it at plan time. `context` is optional; binders fall back to UTC.
   */
  bind(argTypes: readonly DataType[], literals: readonly (Value | undefined)[], context?: BindContext): BoundFunction
}
