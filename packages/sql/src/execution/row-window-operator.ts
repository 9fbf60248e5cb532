import {
  FerrisError,
  formatTimestamp,
  type JsonValue,
  type RecordMeta,
  type Row,
  type Schema,
  type Value,
} from '@ferris/core'
import { comparatorOf } from '../functions/index.js'
import type { OverEventTime, OverNode } from '../planner/logical-plan.js'
import { type CompiledExpr, compileExpression, type MutableEvalContext } from './compile-expression.js'
import type { Operator, PipelineBatch, RowErrorHandler } from './operators.js'
import {
  type OverEntry,
  OverPartition,
  type OverResult,
  type OverShape,
  overReach,
  popWaitingBelow,
  pushWaiting,
  SKIP,
} from './over-partition.js'
import { hashKey } from './value-codec.js'
import { Watermark } from './watermark.js'

type KeyOrder = (a: Value, b: Value) => number

/** Shared by rows that need no per-call values. */
const NONE: Value[] = []

/**
 * Window functions over rows: `LAG`, `LEAD`, `ROW_NUMBER`, `RANK`, `DENSE_RANK` and `SUM`/`AVG`/`MIN`/`MAX`/
 * `COUNT` over a frame, one output row per input row (its columns, then the function values).
 *
 * - Event time (ORDER BY starts with an ascending TIMESTAMP): each partition's rows wait until the
 *   watermark (largest event time seen minus `'<source>.watermark.delay'`, moved once per batch) passes
 *   them, then take their place in order; out-of-order rows within the delay are sorted, later ones are late
 *   (`job.late_records`: `drop` counts them, `dead_letter` hands them to the bad-record policy). A row is
 *   emitted once the rows it looks ahead to (LEAD, `n FOLLOWING`) are released, or when the input ends.
 * - Otherwise each partition is kept whole until the bounded input ends, then sorted (ties keep arrival
 *   order) and computed, as PostgreSQL computes it; an unbounded input is refused when the job starts.
 *
 * Memory per partition: the rows the watermark has not released, plus the `history` rows the frames and
 * LAG reach back to, plus the rows waiting for their lookahead, plus one accumulator per running frame.
 * Partitions themselves are never freed (their row numbers and LAG values continue), like GROUP BY groups.
 */
export class RowWindowOperator implements Operator {
  readonly schema: Schema
  readonly done = false
  readonly #node: OverNode
  readonly #eventTime: OverEventTime | undefined
  readonly #partitionKeys: CompiledExpr[]
  readonly #orderKeys: CompiledExpr[]
  readonly #args: Array<CompiledExpr | undefined>
  readonly #filters: Array<CompiledExpr | undefined>
  readonly #defaults: Array<CompiledExpr | undefined>
  readonly #shape: OverShape
  readonly #hasValues: boolean
  readonly #hasDefaults: boolean
  readonly #order: (a: OverEntry, b: OverEntry) => number
  readonly #watermark: Watermark
  readonly #onError: RowErrorHandler
  // Limitation: partitions are never freed, even when no row arrives for a long time (no state time-to-live).
  readonly #partitions = new Map<unknown, OverPartition>()
  /** Partitions with rows the watermark has not released yet. */
  readonly #pending = new Set<OverPartition>()
  #seq = 0
  #late = 0
  /** Counts batches, so a failing row can be named in its source batch only while that batch is current. */
  #generation = 0

  constructor(node: OverNode, context: MutableEvalContext, onError: RowErrorHandler) {
    this.schema = node.schema
    this.#node = node
    this.#eventTime = node.order.kind === 'event_time' ? node.order : undefined
    this.#partitionKeys = node.partitionBy.map((e) => compileExpression(e, context))
    this.#orderKeys = node.orderBy.map((o) => compileExpression(o.expr, context))
    this.#args = node.calls.map((c) =>
      c.fn === 'LAG' || c.fn === 'LEAD' || (c.fn === 'AGGREGATE' && c.arg !== undefined)
        ? compileExpression(c.arg!, context)
        : undefined,
    )
    this.#filters = node.calls.map((c) =>
      c.fn === 'AGGREGATE' && c.filter !== undefined ? compileExpression(c.filter, context) : undefined,
    )
    this.#defaults = node.calls.map((c) =>
      (c.fn === 'LAG' || c.fn === 'LEAD') && c.default !== undefined
        ? compileExpression(c.default, context)
        : undefined,
    )
    const keyOrders: KeyOrder[] = node.orderBy.map((o) => {
      const cmp = comparatorOf(o.expr.type) ?? (() => 0)
      const sign = o.descending ? -1 : 1
      const nulls = o.nullsFirst ? -1 : 1
      return (a, b) => (a === null ? (b === null ? 0 : nulls) : b === null ? -nulls : sign * cmp(a, b))
    })
    const compareKeys = (a: readonly Value[], b: readonly Value[]) => {
      for (let k = 0; k < keyOrders.length; k++) {
        const c = keyOrders[k]!(a[k]!, b[k]!)
        if (c !== 0) return c
      }
      return 0
    }
    this.#order = (a, b) => compareKeys(a.keys, b.keys) || a.seq - b.seq
    this.#shape = { calls: node.calls, ...overReach(node.calls), peers: (a, b) => compareKeys(a, b) === 0 }
    this.#watermark = new Watermark(this.#eventTime?.watermarkDelay ?? 0n, this.#eventTime?.idleTimeout)
    this.#hasValues = node.calls.some((c) => c.fn !== 'ROW_NUMBER' && c.fn !== 'RANK' && c.fn !== 'DENSE_RANK')
    this.#hasDefaults = this.#defaults.some((d) => d !== undefined)
    this.#onError = onError
  }

  /** Late rows dropped (or handed to the bad-record policy) so far; undefined without event-time order. */
  get lateRecords(): number | undefined {
    return this.node.order.kind === 'event_time' ? this.#late : undefined
  }

  /** The current watermark (epoch nanoseconds); START without an event-time ORDER BY. */
  get watermark(): bigint {
    return this.#watermark.current
  }

  /** Rows held in all partitions. */
  get size(): number {
    let n = 0
    for (const p of this.#partitions.values()) n += p.size

    return n
  }

  /** Refuses what would never emit: sorting, or frames reaching the partition's end, on an unbounded input. */
  start(input: { bounded: boolean; source: string }): void {
    if (input.bounded) return
    const { node } = this
    if (this.#eventTime === undefined) {
      const first = node.orderBy[0]
      throw new FerrisError(
        'FERRIS_SQL_SEMANTIC',
        `${node.text} needs its whole input before it can emit (it is ordered ${first === undefined ? 'by nothing' : `by ${first.expr.text}${first.descending ? ' DESC' : ''}, not by ascending event time`}), but source "${input.source}" does not end`,
        {
          value: node.text,
          subject: input.source,
          hint: "On a stream, ORDER BY an event-time TIMESTAMP column first (ascending), e.g. OVER (PARTITION BY k ORDER BY ts), and set '<source>.watermark.delay' for out-of-order rows; or read a bounded source",
        },
      )
    }
    if (this.#shape.lookahead === Number.POSITIVE_INFINITY) {
      throw new FerrisError(
        'FERRIS_SQL_SEMANTIC',
        `A frame of ${node.text} reaches UNBOUNDED FOLLOWING, the end of its partition, but source "${input.source}" does not end, so no row would ever be emitted`,
        {
          value: node.text,
          subject: input.source,
          hint: 'End the frame at CURRENT ROW or n FOLLOWING, e.g. ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW',
        },
      )
    }
  }

  get node(): OverNode {
    return this.#node
  }

  process(batch: PipelineBatch): PipelineBatch {
    const { rows, meta } = batch
    const generation = ++this.#generation
    const eventTime = this.#eventTime
    const wm = this.#watermark.current
    const pk = this.#partitionKeys
    const ok = this.#orderKeys
    const nc = this.#node.calls.length
    const partitionValues: Value[] = new Array(pk.length)
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!
      const m: RecordMeta | undefined = meta?.[i]
      const index = batch.origin === undefined ? i : batch.origin[i]!
      let entry: OverEntry
      try {
        // Every expression is evaluated before any state changes, so a failing row leaves no trace.
        for (let k = 0; k < pk.length; k++) partitionValues[k] = pk[k]!(row, m)
        const keys: Value[] = new Array(ok.length)
        for (let k = 0; k < ok.length; k++) keys[k] = ok[k]!(row, m)
        // Held rows are many: arrays only where some call has values (ranking has none) or defaults.
        let vals = NONE
        let defs = NONE
        if (this.#hasValues) {
          vals = new Array(nc)
          for (let c = 0; c < nc; c++) {
            const f = this.#filters[c]
            const g = this.#args[c]
            vals[c] = f !== undefined && f(row, m) !== true ? SKIP : g === undefined ? true : g(row, m)
          }
        }
        if (this.#hasDefaults) {
          defs = new Array(nc)
          for (let c = 0; c < nc; c++) {
            const d = this.#defaults[c]
            if (d !== undefined) defs[c] = d(row, m)
          }
        }
        let t = 0n
        if (eventTime !== undefined) {
          const raw = keys[0]
          if (raw === null || raw === undefined) {
            throw new FerrisError(
              'FERRIS_EVALUATION',
              `The event time ${this.#node.orderBy[0]!.expr.text} is NULL, so the row has no place in ${this.#node.text}`,
              { hint: 'Filter such rows out (WHERE ... IS NOT NULL) or give them a time with COALESCE' },
            )
          }
          t = raw as bigint
        }
        entry = {
          row,
          meta: m,
          keys,
          vals,
          defs,
          t,
          seq: this.#seq++,
          batch: generation,
          index,
          rank: 0,
          dense: 0,
          peerStart: 0,
          peerEnd: 0,
        }
      } catch (error) {
        this.#onError(error, index, row)
        continue
      }
      if (eventTime !== undefined && entry.t < wm) {
        this.#lateRow(entry.t, wm, index, row)
        continue
      }
      const p = this.#partition(partitionValues)
      if (eventTime === undefined) p.waiting.push(entry)
      else pushWaiting(p.waiting, entry)
      this.#pending.add(p)
      if (eventTime !== undefined) this.#watermark.observe(entry.t, entry.meta?.partition, entry.meta?.topic)
    }
    if (eventTime === undefined) return { schema: this.schema, rows: [] }

    return this.#release(this.#watermark.advance(BigInt(Date.now()) * 1_000_000n), false)
  }

  expectSplits(splits: readonly (number | string)[], side?: 0 | 1, held?: readonly (number | string)[]): void {
    // After a stream-to-stream join rows carry the partitions of either stream: only one stream announces here.
    if (this.#eventTime !== undefined && side === undefined) this.#watermark.expect(splits, held)
  }

  idle(wallNanos: bigint): PipelineBatch[] {
    if (this.#eventTime === undefined) return []
    const before = this.#watermark.current
    const after = this.#watermark.idle(wallNanos)

    return after === before ? [] : [this.#release(after, false)]
  }

  finish(): PipelineBatch[] {
    return [this.#release(this.#watermark.end(), true)]
  }

  #partition(values: readonly Value[]): OverPartition {
    const hash = values.length === 1 ? hashKey(values[0]!) : values.map((v) => String(hashKey(v))).join('\u0000')
    let p = this.#partitions.get(hash)
    if (p === undefined) {
      p = new OverPartition([...values], this.#shape)
      this.#partitions.set(hash, p)
    }

    return p
  }

  #lateRow(t: bigint, wm: bigint, index: number, row: Row): void {
    this.#late++
    if (this.#eventTime?.lateRecords !== 'dead_letter') return
    this.#onError(
      new FerrisError(
        'FERRIS_EVALUATION',
        `Late row: its event time ${formatTimestamp(t, 'ns', 'UTC')} is behind the watermark ${formatTimestamp(wm, 'ns', 'UTC')}, and the rows after it in ${this.#node.text} were already emitted`,
        { value: String(t), hint: "Raise '<source>.watermark.delay' to wait longer for out-of-order rows" },
      ),
      index,
      row,
    )
  }

  /** Releases the rows the watermark `wm` passed (all with `final`), in order, and emits what is complete. */
  #release(wm: bigint, final: boolean): PipelineBatch {
    const results: OverResult[] = []
    const partitions = final ? this.#partitions.values() : this.#pending.values()
    for (const p of [...partitions]) {
      let ready: OverEntry[]
      if (final) {
        ready = p.waiting
        p.waiting = []
      } else {
        ready = popWaitingBelow(p.waiting, wm)
        if (ready.length === 0) continue
      }
      if (p.waiting.length === 0) this.#pending.delete(p)
      ready.sort(this.#order)
      p.release(ready, final, results)
    }
    // Across partitions, rows go out in event-time order (arrival order for sorted input at its end).
    if (this.#eventTime !== undefined)
      results.sort((a, b) => (a.entry.t < b.entry.t ? -1 : a.entry.t > b.entry.t ? 1 : a.entry.seq - b.entry.seq))
    const rows: Row[] = []
    const meta: Array<RecordMeta | undefined> = []
    let hasMeta = false
    for (const r of results) {
      if ('error' in r) {
        // A row from an earlier batch cannot be named by its index in the current one.
        this.#onError(r.error, r.entry.batch === this.#generation ? r.entry.index : -1, r.entry.row)
        continue
      }
      rows.push(this.#output(r.entry.row, r.values))
      meta.push(r.entry.meta)
      hasMeta ||= r.entry.meta !== undefined
    }

    return { schema: this.schema, rows, ...(hasMeta ? { meta } : {}) }
  }

  /** The input row with this window's values in their columns (the first row window adds them all). */
  #output(row: Row, values: readonly Value[]): Row {
    const out =
      row.length === this.schema.fields.length
        ? row.slice()
        : row.concat(new Array(this.schema.fields.length - row.length).fill(null))
    const slots = this.#node.slots
    for (let c = 0; c < slots.length; c++) out[slots[c]!] = values[c]!

    return out
  }

  snapshot(): JsonValue {
    return {
      watermark: this.#watermark.save(),
      late: this.#late,
      seq: this.#seq,
      partitions: [...this.#partitions.values()].map((p) => p.save()),
    }
  }

  restore(state: JsonValue): void {
    const s = state as {
      watermark?: { max?: string; current?: string }
      late?: number
      seq?: number
      partitions?: JsonValue[]
    } | null
    if (s === null) return
    this.#watermark.load(s.watermark ?? {})
    this.#late = s.late ?? 0
    this.#seq = s.seq ?? 0
    this.#partitions.clear()
    this.#pending.clear()
    for (const saved of s.partitions ?? []) {
      const p = OverPartition.load(saved, this.#shape)
      const hash = p.key.length === 1 ? hashKey(p.key[0]!) : p.key.map((v) => String(hashKey(v))).join('\u0000')
      this.#partitions.set(hash, p)
      if (p.waiting.length > 0) this.#pending.add(p)
    }
  }
}
