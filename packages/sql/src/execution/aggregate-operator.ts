import {
  ChangeKind,
  FerrisError,
  type JsonValue,
  type RecordMeta,
  type Row,
  type Schema,
  type Value,
} from '@ferris/core'
import type { Accumulator } from '../analyzer/aggregate-functions.js'
import type { AggregateNode } from '../planner/logical-plan.js'
import { type CompiledExpr, compileExpression, type MutableEvalContext } from './compile-expression.js'
import type { Operator, PipelineBatch, RowErrorHandler } from './operators.js'
import { type AggregateStateOptions, applyOrder, applyRow, isRetraction, retractionRejected } from './retraction.js'
import { decodeValue, encodeValue, hashKey } from './value-codec.js'

interface Group {
  readonly hash: unknown
  readonly key: Value[]
  readonly accumulators: Accumulator[]
  /** Rows added and not retracted; at 0 the group is gone. */
  rows: number
  /** Processing time (ms) of its last change, for `job.state.ttl`. */
  touched: number
  /** A row of it went out (EMIT CHANGES) and was not deleted since, so its removal must be sent as a DELETE. */
  emitted: boolean
  /** Removed: its last row was retracted, or its time-to-live ran out. */
  gone: boolean
  /** Its row just before its last row was retracted: what its DELETE carries. */
  last?: Row
  /** With HAVING: its row as the batch found it (the one shown), what its DELETE carries if it stops passing. */
  before?: Row | undefined
}

const SKIP = undefined as unknown as Value

/**
 * GROUP BY without a window. Groups live in a Map keyed by their key values (one value stands for itself;
 * several are joined into one string), so memory grows with the number of distinct groups.
 *
 * `EMIT CHANGES` (the default): after each batch, one UPDATE_AFTER row per group the batch changed, with the
 * key columns named in `keyFields`, and one DELETE row per group whose last row a change stream retracted.
 * With `HAVING` (EMIT CHANGES only; see `AggregateNode.having`), a group's row goes out only while it passes;
 * a group shown that stops passing is sent as a DELETE, and sent again (UPDATE_AFTER) when it passes again.
 * `EMIT FINAL`: nothing until the input ends, then one row per group.
 *
 * On a change stream (`retract` sources), UPDATE_BEFORE and DELETE rows take their values back out of the
 * aggregates. With `job.state.ttl`, a group no row changed for that long (processing time) is dropped
 * without output; the Map is kept in order of last change, so eviction looks only at the expired front.
 */
export class AggregateOperator implements Operator {
  readonly schema: Schema
  readonly done = false
  readonly #node: AggregateNode
  readonly #keys: CompiledExpr[]
  readonly #args: Array<CompiledExpr | undefined>
  readonly #filters: Array<CompiledExpr | undefined>
  readonly #having: CompiledExpr | undefined
  readonly #groups = new Map<unknown, Group>()
  readonly #onError: RowErrorHandler
  readonly #options: AggregateStateOptions
  readonly #retractable: boolean
  readonly #order: number[]
  #evicted = 0
  #ignoredRetractions = 0

  constructor(
    node: AggregateNode,
    context: MutableEvalContext,
    onError: RowErrorHandler,
    options: AggregateStateOptions = {},
  ) {
    this.schema = node.schema
    this.#node = node
    this.#keys = node.keys.map((k) => compileExpression(k, context))
    this.#args = node.aggregates.map((a) => (a.arg === undefined ? undefined : compileExpression(a.arg, context)))
    this.#filters = node.aggregates.map((a) =>
      a.filter === undefined ? undefined : compileExpression(a.filter, context),
    )
    this.#having = node.having === undefined ? undefined : compileExpression(node.having, context)
    this.#onError = onError
    this.#options = options
    this.#retractable = options.changelog === 'retract'
    this.#order = applyOrder(node.aggregates)
  }

  /** Distinct groups held. */
  get size(): number {
    return this.#groups.size
  }

  /** Groups dropped because `job.state.ttl` ran out. */
  get evictedGroups(): number {
    return this.#evicted
  }

  /** Retractions of groups not held (evicted by the time-to-live), left out. */
  get ignoredRetractions(): number {
    return this.#ignoredRetractions
  }

  process(batch: PipelineBatch): PipelineBatch {
    const { rows, meta, kinds } = batch
    const keys = this.#keys
    const args = this.#args
    const filters = this.#filters
    const nk = keys.length
    const na = args.length
    const now = this.#now()
    const ttl = this.#options.stateTtlMs
    const changed = this.#node.emit === 'changes' ? new Set<Group>() : undefined
    const keyValues: Value[] = new Array(nk)
    const argValues: Value[] = new Array(na)
    // Expired groups go first, so that a row for one of them starts a fresh group.
    if (ttl !== undefined) this.#evict(now - ttl)
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!
      const m: RecordMeta | undefined = meta?.[i]
      const retract = kinds !== undefined && isRetraction(kinds[i]!)
      let group: Group | undefined
      try {
        if (retract && !this.#retractable) throw retractionRejected(kinds[i]!)
        // Every expression of the row is evaluated before any state changes, so a row that fails leaves
        // the groups as they were.
        for (let k = 0; k < nk; k++) keyValues[k] = keys[k]!(row, m)
        for (let a = 0; a < na; a++) {
          const f = filters[a]
          if (f !== undefined && f(row, m) !== true) {
            argValues[a] = SKIP
            continue
          }
          const g = args[a]
          argValues[a] = g === undefined ? true : g(row, m)
        }
        const hash = this.#hash(keyValues)
        group = this.#groups.get(hash)
        if (retract && group === undefined) {
          if (ttl === undefined) throw unknownGroup(kinds[i]!, keyValues)
          // The group expired: its rows are forgotten, and so is this retraction of one of them.
          this.#ignoredRetractions++
          continue
        }
        group ??= this.#create(hash, keyValues, now)
        // The row the sink holds for a group shown, kept from before the batch's first change of it.
        if (this.#having !== undefined && group.emitted && changed !== undefined && !changed.has(group))
          group.before = this.#row(group)
        const last = retract && group.rows === 1 && group.emitted ? this.#row(group) : undefined
        applyRow(group.accumulators, argValues, retract, this.#order)
        if (last !== undefined) group.last = last
      } catch (error) {
        this.#onError(error, batch.origin === undefined ? i : batch.origin[i]!, row)
        continue
      }
      if (retract) {
        // A global aggregate (no GROUP BY) always has its one row, as over an empty table: COUNT 0, SUM NULL.
        if (--group.rows === 0 && nk > 0) this.#remove(group)
      } else group.rows++
      if (ttl !== undefined && group.touched !== now && !group.gone) {
        // Re-inserted at the end: the Map stays ordered by last change.
        group.touched = now
        this.#groups.delete(group.hash)
        this.#groups.set(group.hash, group)
      }
      changed?.add(group)
    }
    if (changed === undefined || changed.size === 0) return { schema: this.schema, rows: [] }

    return this.#changes(changed)
  }

  /** The source is idle: groups past their time-to-live are dropped all the same. */
  idle(): PipelineBatch[] {
    if (this.#options.stateTtlMs !== undefined) this.#evict(this.#now() - this.#options.stateTtlMs)

    return []
  }

  finish(): PipelineBatch[] {
    if (this.#node.emit !== 'final') return []
    // A global aggregate (no GROUP BY) over no rows still has one row: COUNT(*) = 0, SUM = NULL.
    if (this.#groups.size === 0 && this.#keys.length === 0) this.#create(this.#hash([]), [], this.#now())
    const groups = [...this.#groups.values()]

    return [
      {
        schema: this.schema,
        rows: groups.map((g) => this.#row(g)),
        kinds: new Uint8Array(groups.length).fill(ChangeKind.INSERT),
        keyFields: this.#keys.map((_, i) => i),
      },
    ]
  }

  snapshot(): JsonValue {
    return {
      retractable: this.#retractable,
      evicted: this.#evicted,
      groups: [...this.#groups.values()].map((g) => [
        g.key.map(encodeValue),
        g.accumulators.map((a) => a.save()),
        g.rows,
        g.touched,
        g.emitted,
      ]),
    }
  }

  restore(state: JsonValue): void {
    const s = state as {
      retractable?: boolean
      evicted?: number
      groups?: Array<[JsonValue[], JsonValue[], number?, number?, boolean?]>
    } | null
    if ((s?.retractable ?? false) !== this.#retractable) {
      throw new FerrisError(
        'FERRIS_CHECKPOINT_FAILED',
        `The checkpoint holds GROUP BY state for ${s?.retractable === true ? 'a change stream' : 'an append-only stream'}, but the source is now ${this.#retractable ? 'a change stream' : 'append-only'}`,
        { hint: 'Run the job with --fresh to start over from the beginning of its sources' },
      )
    }
    this.#groups.clear()
    this.#evicted = s?.evicted ?? 0
    const now = this.#now()
    for (const [key, accs, rows, touched, emitted] of s?.groups ?? []) {
      const k = key.map(decodeValue)
      const group = this.#create(this.#hash(k), k, touched ?? now)
      accs.forEach((a, i) => {
        group.accumulators[i]!.load(a)
      })
      // Checkpoints before row counts were kept: a group held at least one row.
      group.rows = rows ?? 1
      // Checkpoints before HAVING was kept in the aggregate: every group held had been emitted.
      group.emitted = emitted ?? true
    }
  }

  #now(): number {
    return (this.#options.clock ?? Date.now)()
  }

  #hash(keyValues: readonly Value[]): unknown {
    return keyValues.length === 1 ? hashKey(keyValues[0]!) : keyValues.map((v) => String(hashKey(v))).join('\u0000')
  }

  #create(hash: unknown, keyValues: readonly Value[], now: number): Group {
    const group: Group = {
      hash,
      key: [...keyValues],
      accumulators: this.#node.aggregates.map((a) => a.aggregate.create(this.#retractable)),
      rows: 0,
      touched: now,
      emitted: false,
      gone: false,
    }
    this.#groups.set(hash, group)

    return group
  }

  #remove(group: Group): void {
    group.gone = true
    this.#groups.delete(group.hash)
  }

  /** Drops, without output, the groups whose last change is before `before` (they sit at the Map's front). */
  #evict(before: number): void {
    for (const group of this.#groups.values()) {
      if (group.touched >= before) break
      this.#remove(group)
      this.#evicted++
    }
  }

  #row(g: Group): Row {
    const row: Row = g.key.slice()
    for (const acc of g.accumulators) row.push(acc.result())

    return row
  }

  /** UPDATE_AFTER for groups that still exist, DELETE for those a retraction removed, in order of first change. */
  #changes(groups: ReadonlySet<Group>): PipelineBatch {
    const out: Row[] = []
    const kinds: number[] = []
    for (const g of groups) {
      if (g.gone) {
        g.before = undefined
        // A group born and gone within the batch was never seen downstream; an evicted group stays silent.
        if (g.emitted && g.rows === 0) {
          out.push(g.last ?? this.#row(g))
          kinds.push(ChangeKind.DELETE)
        }
        continue
      }
      const row = this.#row(g)
      const before = g.before
      g.before = undefined
      if (this.#having !== undefined) {
        let passes: boolean
        try {
          passes = this.#having(row, undefined) === true
        } catch (error) {
          // As a HAVING filter would: the group's change is reported and not sent; the sink keeps what it had.
          this.#onError(error, out.length, row)
          continue
        }
        if (!passes) {
          if (g.emitted) {
            out.push(before ?? row)
            kinds.push(ChangeKind.DELETE)
            g.emitted = false
          }
          continue
        }
      }
      out.push(row)
      kinds.push(ChangeKind.UPDATE_AFTER)
      g.emitted = true
    }

    return { schema: this.schema, rows: out, kinds: Uint8Array.from(kinds), keyFields: this.#keys.map((_, i) => i) }
  }
}

function unknownGroup(kind: number, key: readonly Value[]): FerrisError {
  const what = kind === ChangeKind.DELETE ? 'DELETE' : 'UPDATE_BEFORE'
  return new FerrisError(
    'FERRIS_EVALUATION',
    `A ${what} row retracts a row of the group (${key.map(String).join(', ')}), which holds no rows`,
    {
      value: key.map(String).join(', '),
      hint: "The change stream retracts a row it never inserted: read the source from its snapshot (a PostgreSQL source's snapshot=true), or let such rows be skipped with job.bad_records = 'skip'",
    },
  )
}
