import {
  ChangeKind,
  FerrisError,
  formatTimestamp,
  type JsonValue,
  type RecordMeta,
  type Row,
  type Schema,
  type Value,
} from '@ferris/core'
import type { Accumulator } from '../analyzer/aggregate-functions.js'
import type { AggregateNode, WindowSpec } from '../planner/logical-plan.js'
import { type CompiledExpr, compileExpression, type MutableEvalContext } from './compile-expression.js'
import type { Operator, PipelineBatch, RowErrorHandler } from './operators.js'
import { type AggregateStateOptions, applyOrder, applyRow, isRetraction, retractionRejected } from './retraction.js'
import { decodeValue, encodeValue, hashKey } from './value-codec.js'
import { Watermark } from './watermark.js'
import { slidingStarts, tumblingStart } from './window-assigner.js'

/** One window of one group. */
interface WindowState {
  readonly key: Value[]
  start: bigint
  end: bigint
  accumulators: Accumulator[]
  /** Its row went out; later changes go out as updates, and its removal as a DELETE. */
  emitted: boolean
  /** Rows added and not retracted (tumbling and sliding); at 0 the window is removed. */
  rows: number
  /** Removed because a change stream retracted its last row. */
  gone?: boolean
  /** Its row just before its last row was retracted: what its DELETE carries. */
  last?: Row
  /** Session windows only: the aggregate inputs with their arrival number, replayed when sessions merge. */
  inputs?: Array<[number, Value[]]>
}

const SKIP = undefined as unknown as Value

/**
 * GROUP BY with an event-time WINDOW (tumbling, sliding or session). Each record's event time places it in
 * its windows; the watermark (largest event time seen minus `'<source>.watermark.delay'`, moved once per
 * batch) closes every window whose end is at or below it.
 *
 * - `EMIT FINAL` (the default with a window): one INSERT row per window and group when it closes.
 * - `EMIT CHANGES`: after each batch, one UPDATE_AFTER row per window and group the batch changed, keyed by
 *   the group keys and `window_start`; when a record merges sessions, one DELETE per replaced session whose
 *   row went out and whose start is not the merged session's.
 * - A record is late when all its windows have closed. `job.late_records` = `drop` counts it, `dead_letter`
 *   hands it to the bad-record policy, `update` adds it to a window that closed less than
 *   `job.allowed_lateness` ago and emits the window's new row (UPDATE_AFTER); older ones are dropped.
 * - Window state is freed once the watermark passes its end plus the allowed lateness. Memory: one entry per
 *   open window and group; session windows also keep the aggregate inputs of open sessions, to merge them.
 */
export class WindowedAggregateOperator implements Operator {
  readonly schema: Schema
  readonly done = false
  readonly #node: AggregateNode
  readonly #spec: WindowSpec
  readonly #keys: CompiledExpr[]
  readonly #args: Array<CompiledExpr | undefined>
  readonly #filters: Array<CompiledExpr | undefined>
  readonly #time: CompiledExpr
  readonly #watermark: Watermark
  readonly #onError: RowErrorHandler
  /** Tumbling and sliding windows by start, then group (bigint keys compare by value in a Map). */
  readonly #windows = new Map<bigint, Map<unknown, WindowState>>()
  /** Session windows by group: its open sessions. */
  readonly #sessions = new Map<unknown, WindowState[]>()
  /** Sessions whose row went out and that a merge replaced in this batch: each gets a DELETE. */
  #replaced: WindowState[] = []
  readonly #retractable: boolean
  readonly #order: number[]
  #arrivals = 0
  #late = 0

  constructor(
    node: AggregateNode,
    context: MutableEvalContext,
    onError: RowErrorHandler,
    options: AggregateStateOptions = {},
  ) {
    this.schema = node.schema
    this.#node = node
    this.#spec = node.window!
    this.#keys = node.keys.map((k) => compileExpression(k, context))
    this.#args = node.aggregates.map((a) => (a.arg === undefined ? undefined : compileExpression(a.arg, context)))
    this.#filters = node.aggregates.map((a) =>
      a.filter === undefined ? undefined : compileExpression(a.filter, context),
    )
    this.#time = compileExpression(this.#spec.time, context)
    this.#watermark = new Watermark(this.#spec.watermarkDelay, this.#spec.idleTimeout)
    this.#onError = onError
    this.#retractable = options.changelog === 'retract'
    this.#order = applyOrder(node.aggregates)
  }

  /** Late records dropped (or handed to the bad-record policy) so far. */
  get lateRecords(): number {
    return this.#late
  }

  /** The current watermark, epoch nanoseconds. */
  get watermark(): bigint {
    return this.#watermark.current
  }

  /** Open windows held (sessions included). */
  get size(): number {
    let n = 0
    for (const w of this.#windows.values()) n += w.size
    for (const s of this.#sessions.values()) n += s.length

    return n
  }

  process(batch: PipelineBatch): PipelineBatch {
    const { rows, meta, kinds } = batch
    const spec = this.#spec
    const nk = this.#keys.length
    const na = this.#args.length
    const wm = this.#watermark.current
    const lateUntil = spec.lateRecords === 'update' ? wm - spec.allowedLateness : wm
    const changed = new Set<WindowState>()
    const keyValues: Value[] = new Array(nk)
    const session = spec.kind === 'session'
    const reused: Value[] = new Array(na)
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!
      const m: RecordMeta | undefined = meta?.[i]
      let t: bigint
      const retract = kinds !== undefined && isRetraction(kinds[i]!)
      // Sessions keep the inputs of a record (to replay them on a merge); the other kinds use them at once.
      const argValues: Value[] = session ? new Array(na) : reused
      try {
        if (retract && !this.#retractable) throw retractionRejected(kinds[i]!)
        if (retract && session) {
          throw new FerrisError(
            'FERRIS_UNSUPPORTED',
            'SESSION windows do not take retractions (UPDATE_BEFORE or DELETE rows) yet',
            { hint: 'Use a TUMBLING or SLIDING window, or GROUP BY without a window, over a change stream' },
          )
        }
        const raw = this.#time(row, m)
        if (raw === null || raw === undefined) {
          throw new FerrisError(
            'FERRIS_EVALUATION',
            `The event time ${spec.time.text} is NULL, so the record belongs to no window`,
            {
              hint: 'Filter such records out (WHERE ... IS NOT NULL) or give them a time with COALESCE',
            },
          )
        }
        t = spec.timeInMillis ? BigInt(raw as number | bigint) * 1_000_000n : (raw as bigint)
        for (let k = 0; k < nk; k++) keyValues[k] = this.#keys[k]!(row, m)
        for (let a = 0; a < na; a++) {
          const f = this.#filters[a]
          if (f !== undefined && f(row, m) !== true) {
            argValues[a] = SKIP
            continue
          }
          const g = this.#args[a]
          argValues[a] = g === undefined ? true : g(row, m)
        }
      } catch (error) {
        this.#onError(error, batch.origin === undefined ? i : batch.origin[i]!, row)
        continue
      }
      this.#watermark.observe(t, m?.partition, m?.topic)
      let accepted: boolean
      try {
        accepted =
          spec.kind === 'session'
            ? this.#addSession(keyValues, t, argValues, lateUntil, changed)
            : this.#addFixed(keyValues, t, argValues, lateUntil, changed, retract)
      } catch (error) {
        this.#onError(error, batch.origin === undefined ? i : batch.origin[i]!, row)
        continue
      }
      if (!accepted) this.#lateRecord(t, wm, batch.origin === undefined ? i : batch.origin[i]!, row)
    }
    const after = this.#watermark.advance(BigInt(Date.now()) * 1_000_000n)

    return this.#close(after, changed)
  }

  expectSplits(splits: readonly (number | string)[], side?: 0 | 1, held?: readonly (number | string)[]): void {
    // Limitation: after a stream-to-stream join, rows carry the partitions of either stream; only a job with one
    // stream announces its pending partitions to a window.
    if (side === undefined) this.#watermark.expect(splits, held)
  }

  /** The source is idle: with `job.idle_timeout`, the watermark follows the wall clock. */
  idle(wallNanos: bigint): PipelineBatch[] {
    const before = this.#watermark.current
    const after = this.#watermark.idle(wallNanos)
    if (after === before) return []

    return [this.#close(after, new Set())]
  }

  finish(): PipelineBatch[] {
    return [this.#close(this.#watermark.end(), new Set())]
  }

  /**
   * Adds the record to its tumbling or sliding windows (or, with `retract`, takes it back out of them), all or
   * nothing. False when all its windows have closed (a late record).
   */
  #addFixed(
    key: Value[],
    t: bigint,
    args: Value[],
    lateUntil: bigint,
    changed: Set<WindowState>,
    retract: boolean,
  ): boolean {
    const spec = this.#spec
    const hash = this.#hash(key)
    if (spec.kind === 'tumbling') {
      // The common case without the arrays of the sliding path.
      const start = tumblingStart(t, spec.size)
      if (start + spec.size <= lateUntil) return false
      this.#applyTo([this.#target(start, hash, key, retract)], hash, args, changed, retract)
      return true
    }
    const open = [...slidingStarts(t, spec.size, spec.advance!)].filter((start) => start + spec.size > lateUntil)
    if (open.length === 0) return false
    this.#applyTo(
      open.map((start) => this.#target(start, hash, key, retract)),
      hash,
      args,
      changed,
      retract,
    )

    return true
  }

  /** The window a record goes to; for a retraction it must exist. */
  #target(start: bigint, hash: unknown, key: Value[], retract: boolean): WindowState {
    if (!retract) return this.#window(start, hash, key)
    const w = this.#windows.get(start)?.get(hash)
    if (w === undefined) throw unknownWindow(key, start)

    return w
  }

  /** Applies one record to its windows, all or nothing; removes a window whose last row left. */
  #applyTo(windows: WindowState[], hash: unknown, args: Value[], changed: Set<WindowState>, retract: boolean): void {
    let done = 0
    try {
      for (; done < windows.length; done++) {
        const w = windows[done]!
        const last = retract && w.rows === 1 && w.emitted ? this.#row(w) : undefined
        applyRow(w.accumulators, args, retract, this.#order)
        if (last !== undefined) w.last = last
      }
    } catch (error) {
      for (let d = done - 1; d >= 0; d--) applyRow(windows[d]!.accumulators, args, !retract, this.#order)
      // Windows this record created hold nothing: they must not emit an empty row later.
      for (const w of windows) if (w.rows === 0) this.#drop(w, hash)
      throw error
    }
    for (const w of windows) {
      w.rows += retract ? -1 : 1
      if (w.rows === 0) {
        w.gone = true
        this.#drop(w, hash)
      }
      changed.add(w)
    }
  }

  #drop(w: WindowState, hash: unknown): void {
    const byGroup = this.#windows.get(w.start)
    if (byGroup?.get(hash) !== w) return
    byGroup.delete(hash)
    if (byGroup.size === 0) this.#windows.delete(w.start)
  }

  #window(start: bigint, hash: unknown, key: Value[]): WindowState {
    let byGroup = this.#windows.get(start)
    if (byGroup === undefined) {
      byGroup = new Map()
      this.#windows.set(start, byGroup)
    }
    let w = byGroup.get(hash)
    if (w === undefined) {
      w = { key: [...key], start, end: start + this.#spec.size, accumulators: this.#create(), emitted: false, rows: 0 }
      byGroup.set(hash, w)
    }

    return w
  }

  #addSession(key: Value[], t: bigint, args: Value[], lateUntil: bigint, changed: Set<WindowState>): boolean {
    const gap = this.#spec.size
    if (t + gap <= lateUntil) return false
    const hash = this.#hash(key)
    const sessions = this.#sessions.get(hash) ?? []
    let start = t
    let end = t + gap
    // Half-open sessions that overlap [t, t + gap) merge; a record exactly `gap` after the last one starts
    // a new session.
    const overlapping = sessions.filter((s) => s.start < end && start < s.end)
    const kept = sessions.filter((s) => !overlapping.includes(s))
    const inputs: Array<[number, Value[]]> = [[this.#arrivals++, [...args]]]
    for (const s of overlapping) {
      if (s.start < start) start = s.start
      if (s.end > end) end = s.end
      inputs.push(...s.inputs!)
      changed.delete(s)
    }
    // Rows go out keyed by window_start: the merged session takes over the row of the session that starts where
    // it does, and the row of every other session it replaced that went out is deleted.
    let emitted = false
    for (const s of overlapping) {
      if (!s.emitted) continue
      if (s.start === start) emitted = true
      else this.#replaced.push(s)
    }
    let w: WindowState
    if (overlapping.length === 1 && overlapping[0]!.start === start) {
      // Growing one session at its end: add to its accumulators instead of replaying.
      w = overlapping[0]!
      w.end = end
      w.inputs!.push(inputs[0]!)
      w.rows++
      this.#apply(w.accumulators, args)
      kept.push(w)
    } else {
      inputs.sort((a, b) => a[0] - b[0])
      w = { key: [...key], start, end, accumulators: this.#create(), emitted, rows: inputs.length, inputs }
      for (const [, values] of inputs) this.#apply(w.accumulators, values)
      kept.push(w)
    }
    this.#sessions.set(hash, kept)
    changed.add(w)

    return true
  }

  #lateRecord(t: bigint, wm: bigint, sourceIndex: number, row: Row): void {
    this.#late++
    if (this.#spec.lateRecords !== 'dead_letter') return
    this.#onError(
      new FerrisError(
        'FERRIS_EVALUATION',
        `Late record: its event time ${formatTimestamp(t, 'ns', 'UTC')} is behind the watermark ${formatTimestamp(wm, 'ns', 'UTC')} and all its windows have closed`,
        {
          value: String(t),
          hint: "Raise '<source>.watermark.delay', or set job.late_records = 'update' with a job.allowed_lateness",
        },
      ),
      sourceIndex,
      row,
    )
  }

  /** Emits what the watermark `wm` allows and frees windows it has passed. */
  #close(wm: bigint, changed: Set<WindowState>): PipelineBatch {
    const spec = this.#spec
    const out: WindowState[] = []
    const kinds: number[] = []
    const final = this.#node.emit === 'final'
    const freeBelow = wm === Watermark.END ? wm : wm - (spec.lateRecords === 'update' ? spec.allowedLateness : 0n)
    const visit = (w: WindowState): boolean => {
      const closed = w.end <= wm
      if (final) {
        if (closed && !w.emitted) {
          out.push(w)
          kinds.push(ChangeKind.INSERT)
          w.emitted = true
        } else if (closed && changed.has(w)) {
          out.push(w)
          kinds.push(ChangeKind.UPDATE_AFTER)
        }
      } else if (changed.has(w)) {
        out.push(w)
        kinds.push(ChangeKind.UPDATE_AFTER)
        w.emitted = true
      }
      // Returns whether the window can be freed.
      return w.end <= freeBelow || wm === Watermark.END
    }
    for (const [start, byGroup] of this.#windows) {
      // Windows that are open and unchanged need no visit: only closed ones (end <= wm) or changed ones emit.
      if (start + spec.size > wm && changed.size === 0) continue
      let all = true
      for (const [hash, w] of byGroup) {
        if (visit(w)) byGroup.delete(hash)
        else all = false
      }
      if (all) this.#windows.delete(start)
    }
    // Windows whose last row a retraction removed: a DELETE where their row went out before.
    for (const w of changed) {
      if (w.gone === true && w.emitted) {
        out.push(w)
        kinds.push(ChangeKind.DELETE)
      }
    }
    // Sessions a merge replaced: a DELETE of the row they showed (their key is their own window_start).
    for (const w of this.#replaced) {
      out.push(w)
      kinds.push(ChangeKind.DELETE)
    }
    this.#replaced = []
    for (const [hash, sessions] of this.#sessions) {
      const left = sessions.filter((w) => !visit(w))
      if (left.length === 0) this.#sessions.delete(hash)
      else if (left.length !== sessions.length) this.#sessions.set(hash, left)
    }
    if (out.length === 0) return { schema: this.schema, rows: [] }
    // Window order: by end, then start; groups in the order they were first seen.
    const order = out.map((_, i) => i)
    order.sort((a, b) => {
      const x = out[a]!
      const y = out[b]!
      return x.end < y.end ? -1 : x.end > y.end ? 1 : x.start < y.start ? -1 : x.start > y.start ? 1 : a - b
    })
    const rows: Row[] = order.map((i) => {
      const w = out[i]!
      return w.gone === true ? (w.last ?? this.#row(w)) : this.#row(w)
    })

    return {
      schema: this.schema,
      rows,
      kinds: Uint8Array.from(order.map((i) => kinds[i]!)),
      keyFields: [...this.#keys.map((_, i) => i), this.#keys.length],
    }
  }

  #row(w: WindowState): Row {
    const row: Row = [...w.key, w.start, w.end]
    for (const acc of w.accumulators) row.push(acc.result())

    return row
  }

  #create(): Accumulator[] {
    return this.#node.aggregates.map((a) => a.aggregate.create(this.#retractable))
  }

  #apply(accumulators: Accumulator[], args: readonly Value[]): void {
    for (let a = 0; a < accumulators.length; a++) {
      const v = args[a]
      if (v !== undefined) accumulators[a]!.add(v)
    }
  }

  #hash(key: readonly Value[]): unknown {
    return key.length === 1 ? hashKey(key[0]!) : key.map((v) => String(hashKey(v))).join('\u0000')
  }

  snapshot(): JsonValue {
    const encodeArgs = (values: Value[]) => values.map((v) => (v === undefined ? { $skip: true } : encodeValue(v)))
    return {
      retractable: this.#retractable,
      watermark: this.#watermark.save(),
      late: this.#late,
      arrivals: this.#arrivals,
      windows: [...this.#windows.values()]
        .flatMap((byGroup) => [...byGroup.values()])
        .map((w) => [
          w.key.map(encodeValue),
          w.start.toString(),
          w.end.toString(),
          w.emitted,
          w.accumulators.map((a) => a.save()),
          w.rows,
        ]),
      sessions: [...this.#sessions.values()]
        .flat()
        .map((w) => [
          w.key.map(encodeValue),
          w.start.toString(),
          w.end.toString(),
          w.emitted,
          w.inputs!.map(([n, values]) => [n, encodeArgs(values)]),
        ]),
    }
  }

  restore(state: JsonValue): void {
    const s = state as {
      retractable?: boolean
      watermark?: { max?: string; current?: string }
      late?: number
      arrivals?: number
      windows?: Array<[JsonValue[], string, string, boolean, JsonValue[], number?]>
      sessions?: Array<[JsonValue[], string, string, boolean, Array<[number, JsonValue[]]>]>
    } | null
    if (s === null) return
    if ((s.retractable ?? false) !== this.#retractable) {
      throw new FerrisError(
        'FERRIS_CHECKPOINT_FAILED',
        `The checkpoint holds window state for ${s.retractable === true ? 'a change stream' : 'an append-only stream'}, but the source is now ${this.#retractable ? 'a change stream' : 'append-only'}`,
        { hint: 'Run the job with --fresh to start over from the beginning of its sources' },
      )
    }
    this.#watermark.load(s.watermark ?? {})
    this.#late = s.late ?? 0
    this.#arrivals = s.arrivals ?? 0
    this.#windows.clear()
    this.#sessions.clear()
    for (const [key, start, end, emitted, accs, rows] of s.windows ?? []) {
      const k = key.map(decodeValue)
      // Checkpoints before row counts were kept: a window held at least one row.
      const w: WindowState = {
        key: k,
        start: BigInt(start),
        end: BigInt(end),
        accumulators: this.#create(),
        emitted,
        rows: rows ?? 1,
      }
      accs.forEach((a, i) => {
        w.accumulators[i]!.load(a)
      })
      const byGroup = this.#windows.get(w.start) ?? new Map<unknown, WindowState>()
      this.#windows.set(w.start, byGroup)
      byGroup.set(this.#hash(k), w)
    }
    const decodeArgs = (values: JsonValue[]) =>
      values.map((v) => (v !== null && typeof v === 'object' && '$skip' in v ? SKIP : decodeValue(v)))
    for (const [key, start, end, emitted, inputs] of s.sessions ?? []) {
      const k = key.map(decodeValue)
      const decoded = inputs.map(([n, values]): [number, Value[]] => [n, decodeArgs(values)])
      const w: WindowState = {
        key: k,
        start: BigInt(start),
        end: BigInt(end),
        accumulators: this.#create(),
        emitted,
        rows: decoded.length,
        inputs: decoded,
      }
      for (const [, values] of decoded) this.#apply(w.accumulators, values)
      const hash = this.#hash(k)
      this.#sessions.set(hash, [...(this.#sessions.get(hash) ?? []), w])
    }
  }
}

function unknownWindow(key: readonly Value[], start: bigint): FerrisError {
  return new FerrisError(
    'FERRIS_EVALUATION',
    `A retraction (UPDATE_BEFORE or DELETE) takes a row out of the window starting at ${start} ns of the group (${key.map(String).join(', ')}), which holds no rows`,
    {
      value: key.map(String).join(', '),
      hint: "The change stream retracts a row it never inserted: read the source from its snapshot, or let such rows be skipped with job.bad_records = 'skip'",
    },
  )
}
