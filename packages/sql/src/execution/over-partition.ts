import { Decimal, FerrisError, type JsonValue, type RecordMeta, type Row, type Value } from '@ferris/core'
import { type Accumulator, DECIMAL_38_LIMIT, decimalSumOverflow } from '../analyzer/aggregate-functions.js'
import type { OverCall } from '../planner/logical-plan.js'
import { decodeMeta, decodeValue, encodeMeta, encodeValue } from './value-codec.js'

const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n

/** A value left out of an aggregate by its FILTER. */
export const SKIP = undefined as unknown as Value

/** One input row of a partition, with everything the window functions need evaluated on arrival. */
export interface OverEntry {
  readonly row: Row
  readonly meta: RecordMeta | undefined
  /** ORDER BY values. */
  readonly keys: readonly Value[]
  /** Per call: the argument's value (SKIP when FILTER left it out; TRUE for COUNT(*)). */
  readonly vals: readonly Value[]
  /** Per call: LAG/LEAD's default, evaluated on this row. */
  readonly defs: readonly Value[]
  /** Event time (nanoseconds) in event-time order; 0 when sorting bounded input. */
  readonly t: bigint
  /** Arrival number: equal ORDER BY values keep arrival order. */
  readonly seq: number
  /** The batch the row came in (-1 after a restore) and its index there, to name it when it fails. */
  readonly batch: number
  readonly index: number
  /** Set when the row takes its place in the partition's order. */
  rank: number
  dense: number
  /** Absolute positions of the first and last row ordered equal to this one (its peers). */
  peerStart: number
  peerEnd: number
}

/** A row whose window function values are computed, or whose computation failed. */
export type OverResult = { entry: OverEntry; values: Value[] } | { entry: OverEntry; error: unknown }

interface Sliding {
  acc: Accumulator
  lo: number
  hi: number
}

interface Running {
  readonly acc: Accumulator
  /** Absolute position of the last row added. */
  upTo: number
}

/** What every partition of one OVER shares: the calls, how far they look back and ahead, how to order. */
export interface OverShape {
  readonly calls: readonly OverCall[]
  /** Rows before the next one to emit that must stay buffered (LAG offsets, frame starts). */
  readonly history: number
  /** Rows after a row that must have arrived before it is emitted; Infinity: the partition's end. */
  readonly lookahead: number
  /** True when all ORDER BY values are equal (peers). */
  peers(a: readonly Value[], b: readonly Value[]): boolean
}

/**
 * The state of one partition: rows released in order (by the watermark, or all at once at the end of a
 * bounded input) take their place, get their row number and rank, and are emitted once the rows their
 * functions look ahead to (LEAD, `n FOLLOWING`) have arrived. Only `history` rows before the next row to
 * emit, the rows waiting for their lookahead, and one running accumulator per `UNBOUNDED PRECEDING` frame
 * are kept.
 */
export class OverPartition {
  readonly key: Value[]
  /**
   * Rows not yet released: ordered by event time, a heap by event time (`pushWaiting`) the watermark pops
   * from; sorted, arrival order until the input ends.
   */
  waiting: OverEntry[] = []
  /** Released rows from absolute position `base` on. */
  #buf: OverEntry[] = []
  #base = 0
  #count = 0
  #next = 0
  #lastKeys: readonly Value[] | undefined
  #lastRank = 0
  #lastDense = 0
  #lastPeerStart = 0
  #running: Array<Running | undefined>
  /**
   * Frames of `n PRECEDING`/`n FOLLOWING` bounds whose aggregate can take values back: the accumulator and
   * the absolute rows `[lo, hi]` in it. Not checkpointed: rebuilt from the buffered rows when needed.
   */
  #sliding: Array<Sliding | undefined>
  readonly #slides: boolean[]
  readonly #shape: OverShape
  readonly #create: Array<(() => Accumulator) | undefined>

  constructor(key: Value[], shape: OverShape) {
    this.key = key
    this.#shape = shape
    this.#create = shape.calls.map((c) => (c.fn === 'AGGREGATE' ? () => c.aggregate.create() : undefined))
    this.#sliding = shape.calls.map(() => undefined)
    this.#slides = shape.calls.map(
      (c) =>
        c.fn === 'AGGREGATE' &&
        c.frame.start.kind === 'rows' &&
        c.frame.end.kind === 'rows' &&
        c.aggregate.create().remove !== undefined,
    )
    this.#running = shape.calls.map((c) =>
      c.fn === 'AGGREGATE' && c.frame.start.kind === 'unbounded' ? { acc: c.aggregate.create(), upTo: -1 } : undefined,
    )
  }

  /** Rows held: waiting for release, waiting for their lookahead, and history. */
  get size(): number {
    return this.waiting.length + this.#buf.length
  }

  /**
   * Appends rows in their final order (all rows ordered equal must come in one call) and emits the rows
   * whose lookahead is complete; `final` (the input ended) emits every row left.
   */
  release(entries: readonly OverEntry[], final: boolean, out: OverResult[]): void {
    const shape = this.#shape
    const from = this.#count
    for (const e of entries) {
      const at = this.#count++
      if (this.#lastKeys !== undefined && shape.peers(this.#lastKeys, e.keys)) {
        e.rank = this.#lastRank
        e.dense = this.#lastDense
        e.peerStart = this.#lastPeerStart
      } else {
        e.rank = at + 1
        e.dense = this.#lastDense + 1
        e.peerStart = at
      }
      this.#lastKeys = e.keys
      this.#lastRank = e.rank
      this.#lastDense = e.dense
      this.#lastPeerStart = e.peerStart
      this.#buf.push(e)
    }
    // Peer groups end within this call: set each new row's last peer, walking back.
    let end = this.#count - 1
    for (let i = this.#count - 1; i >= from; i--) {
      const e = this.#at(i)
      e.peerEnd = end
      if (e.peerStart === i) end = i - 1
    }
    const suffixes = final ? this.#suffixes() : undefined
    while (this.#next < this.#count && (final || this.#next + shape.lookahead < this.#count)) {
      const r = this.#next++
      const entry = this.#at(r)
      try {
        out.push({ entry, values: this.#compute(r, entry, suffixes) })
      } catch (error) {
        out.push({ entry, error })
      }
    }
    this.#trim()
  }

  #at(i: number): OverEntry {
    return this.#buf[i - this.#base]!
  }

  /**
   * At the end of the input, frames that run to the partition's end from a moving start (`CURRENT ROW AND
   * UNBOUNDED FOLLOWING`) are computed backwards with one accumulator each, so the cost is one pass instead
   * of one pass per row. Only for aggregates whose result does not depend on the order values are added in;
   * DOUBLE sums and averages are recomputed per row front to back, as PostgreSQL computes them.
   */
  #suffixes(): Map<number, Value[]> {
    const out = new Map<number, Value[]>()
    const calls = this.#shape.calls
    const last = this.#count - 1
    for (let c = 0; c < calls.length; c++) {
      const call = calls[c]!
      if (call.fn !== 'AGGREGATE' || call.frame.end.kind !== 'unbounded' || call.frame.start.kind === 'unbounded')
        continue
      const name = call.aggregate.name
      if (call.aggregate.type.kind === 'float64' && (name === 'SUM' || name === 'AVG')) continue
      const start = call.frame.start
      const results: Value[] = new Array(this.#count - this.#next)
      const acc = call.aggregate.create()
      let lo = last + 1
      try {
        for (let r = last; r >= this.#next; r--) {
          const from = Math.max(0, start.kind === 'peers' ? this.#at(r).peerStart : r + start.offset)
          while (lo > from) {
            const v = this.#at(--lo).vals[c]
            if (v !== SKIP) acc.add(v!)
          }
          results[r - this.#next] = acc.result()
        }
      } catch {
        // An overflow: leave this call to the per-row path, which reports it on the rows it concerns.
        continue
      }
      out.set(c, results)
    }

    return out
  }

  #compute(r: number, e: OverEntry, suffixes?: Map<number, Value[]>): Value[] {
    const calls = this.#shape.calls
    const values: Value[] = new Array(calls.length)
    const last = this.#count - 1
    for (let c = 0; c < calls.length; c++) {
      const call = calls[c]!
      switch (call.fn) {
        case 'ROW_NUMBER':
          values[c] = BigInt(r + 1)
          break
        case 'RANK':
          values[c] = BigInt(e.rank)
          break
        case 'DENSE_RANK':
          values[c] = BigInt(e.dense)
          break
        case 'LAG':
        case 'LEAD': {
          const j = call.fn === 'LAG' ? r - call.offset : r + call.offset
          values[c] = j >= 0 && j <= last ? (this.#at(j).vals[c] ?? null) : (e.defs[c] ?? null)
          break
        }
        case 'AGGREGATE': {
          const suffix = suffixes?.get(c)
          if (suffix !== undefined) {
            values[c] = suffix[r - (this.#count - suffix.length)] ?? null
            break
          }
          const { start, end } = call.frame
          const to = Math.min(last, end.kind === 'unbounded' ? last : end.kind === 'peers' ? e.peerEnd : r + end.offset)
          const running = this.#running[c]
          if (running !== undefined) {
            // UNBOUNDED PRECEDING: the frame only grows, so one accumulator takes each row once.
            // Limitation: when a later call of the same row fails (a BIGINT SUM overflows), the running
            // accumulators of earlier calls keep the row that was then left out.
            while (running.upTo < to) {
              const v = this.#at(running.upTo + 1).vals[c]
              if (v !== SKIP) running.acc.add(v!)
              running.upTo++
            }
            values[c] = running.acc.result()
            break
          }
          const fromRow = Math.max(0, start.kind === 'peers' ? e.peerStart : r + (start as { offset: number }).offset)
          if (this.#slides[c]) {
            values[c] = this.#slide(c, fromRow, to)
            break
          }
          const acc = this.#create[c]!()
          for (let j = fromRow; j <= to; j++) {
            const v = this.#at(j).vals[c]
            if (v !== SKIP) acc.add(v!)
          }
          values[c] = acc.result()
          break
        }
      }
    }

    return values
  }

  /** Moves call `c`'s sliding frame to the rows `[from, to]` (both only move forward) and gives its result. */
  #slide(c: number, from: number, to: number): Value {
    let s = this.#sliding[c]
    if (s === undefined || from > s.hi) {
      s = { acc: this.#create[c]!(), lo: from, hi: from - 1 }
      this.#sliding[c] = s
    }
    try {
      for (; s.lo < from; s.lo++) {
        const v = this.#at(s.lo).vals[c]
        if (v !== SKIP) s.acc.remove!(v!)
      }
      while (s.hi < to) {
        const v = this.#at(s.hi + 1).vals[c]
        if (v !== SKIP) s.acc.add(v!)
        s.hi++
      }
    } catch (error) {
      // The accumulator may have missed a row: rebuild it from the buffered rows for the next row.
      this.#sliding[c] = undefined
      throw error
    }
    const result = s.acc.result()
    // Values taken back can leave a BIGINT sum outside its range without any add failing.
    if (typeof result === 'bigint' && (result > I64_MAX || result < I64_MIN)) {
      throw new FerrisError('FERRIS_ARITHMETIC_OVERFLOW', `SUM overflows BIGINT: the frame's sum is ${result}`, {
        value: String(result),
        hint: 'SUM(CAST(x AS DECIMAL(38, 0))) sums up to 38 digits',
      })
    }
    // Likewise a decimal frame, typed DECIMAL(38, s) for SUM and AVG alike.
    if (result instanceof Decimal && (result.unscaled >= DECIMAL_38_LIMIT || result.unscaled <= -DECIMAL_38_LIMIT)) {
      throw decimalSumOverflow(result.scale, `: the frame's value is ${result.toString()}`, result.toString())
    }

    return result
  }

  /** Frees rows no frame or LAG can reach any more. */
  #trim(): void {
    let keep = this.#next - this.#shape.history
    if (this.#next < this.#count) keep = Math.min(keep, this.#at(this.#next).peerStart)
    for (const run of this.#running) if (run !== undefined) keep = Math.min(keep, run.upTo + 1)
    for (const s of this.#sliding) if (s !== undefined && s.lo <= s.hi) keep = Math.min(keep, s.lo)
    const drop = keep - this.#base
    if (drop > 0) {
      this.#buf.splice(0, Math.min(drop, this.#buf.length))
      this.#base += drop
    }
  }

  save(): JsonValue {
    return {
      key: this.key.map(encodeValue),
      waiting: this.waiting.map(encodeEntry),
      buf: this.#buf.map(encodeEntry),
      base: this.#base,
      count: this.#count,
      next: this.#next,
      last: this.#lastKeys === undefined ? null : this.#lastKeys.map(encodeValue),
      rank: this.#lastRank,
      dense: this.#lastDense,
      peerStart: this.#lastPeerStart,
      running: this.#running.map((r) => (r === undefined ? null : [r.upTo, r.acc.save()])),
    }
  }

  static load(state: JsonValue, shape: OverShape): OverPartition {
    const s = state as {
      key: JsonValue[]
      waiting: JsonValue[]
      buf: JsonValue[]
      base: number
      count: number
      next: number
      last: JsonValue[] | null
      rank: number
      dense: number
      peerStart: number
      running: Array<[number, JsonValue] | null>
    }
    const p = new OverPartition(s.key.map(decodeValue), shape)
    p.waiting = s.waiting.map(decodeEntry)
    p.#buf = s.buf.map(decodeEntry)
    p.#base = s.base
    p.#count = s.count
    p.#next = s.next
    p.#lastKeys = s.last === null ? undefined : s.last.map(decodeValue)
    p.#lastRank = s.rank
    p.#lastDense = s.dense
    p.#lastPeerStart = s.peerStart
    s.running.forEach((r, i) => {
      const run = p.#running[i]
      if (r === null || run === undefined) return
      run.upTo = r[0]
      run.acc.load(r[1])
    })

    return p
  }
}

const encodeVals = (values: readonly Value[]) => values.map((v) => (v === SKIP ? { $skip: true } : encodeValue(v)))
const decodeVals = (values: JsonValue[]) =>
  values.map((v) => (v !== null && typeof v === 'object' && '$skip' in v ? SKIP : decodeValue(v)))

function encodeEntry(e: OverEntry): JsonValue {
  return [
    e.row.map(encodeValue),
    e.meta === undefined ? null : encodeMeta(e.meta),
    e.keys.map(encodeValue),
    encodeVals(e.vals),
    encodeVals(e.defs),
    e.t.toString(),
    e.seq,
    e.rank,
    e.dense,
    e.peerStart,
    e.peerEnd,
  ]
}

function decodeEntry(j: JsonValue): OverEntry {
  const [row, meta, keys, vals, defs, t, seq, rank, dense, peerStart, peerEnd] = j as [
    JsonValue[],
    JsonValue,
    JsonValue[],
    JsonValue[],
    JsonValue[],
    string,
    number,
    number,
    number,
    number,
    number,
  ]

  return {
    row: row.map(decodeValue),
    meta: meta === null ? undefined : decodeMeta(meta),
    keys: keys.map(decodeValue),
    vals: decodeVals(vals),
    defs: decodeVals(defs),
    t: BigInt(t),
    seq,
    batch: -1,
    index: -1,
    rank,
    dense,
    peerStart,
    peerEnd,
  }
}

/** How far calls look back (rows kept before the next row to emit) and ahead (rows awaited after it). */
export function overReach(calls: readonly OverCall[]): { history: number; lookahead: number } {
  let history = 0
  let lookahead = 0
  for (const c of calls) {
    if (c.fn === 'LAG') history = Math.max(history, c.offset)
    else if (c.fn === 'LEAD') lookahead = Math.max(lookahead, c.offset)
    else if (c.fn === 'AGGREGATE') {
      for (const b of [c.frame.start, c.frame.end]) {
        if (b.kind === 'rows') {
          history = Math.max(history, -b.offset)
          lookahead = Math.max(lookahead, b.offset)
        }
      }
      if (c.frame.end.kind === 'unbounded') lookahead = Number.POSITIVE_INFINITY
    }
  }

  return { history, lookahead }
}

const before = (a: OverEntry, b: OverEntry) => a.t < b.t || (a.t === b.t && a.seq < b.seq)

/**
 * Adds a row to a partition's waiting rows kept as a binary min-heap by event time (then arrival), so that
 * releasing the rows the watermark passed costs O(log n) per row instead of a scan of all waiting rows.
 */
export function pushWaiting(heap: OverEntry[], e: OverEntry): void {
  let i = heap.length
  heap.push(e)
  while (i > 0) {
    const parent = (i - 1) >> 1
    if (!before(e, heap[parent]!)) break
    heap[i] = heap[parent]!
    i = parent
  }
  heap[i] = e
}

/** Removes and returns the waiting rows with event time below `wm`, earliest first. */
export function popWaitingBelow(heap: OverEntry[], wm: bigint): OverEntry[] {
  const out: OverEntry[] = []
  while (heap.length > 0 && heap[0]!.t < wm) {
    out.push(heap[0]!)
    const last = heap.pop()!
    if (heap.length === 0) break
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= heap.length) break
      const r = l + 1
      const c = r < heap.length && before(heap[r]!, heap[l]!) ? r : l
      if (!before(heap[c]!, last)) break
      heap[i] = heap[c]!
      i = c
    }
    heap[i] = last
  }

  return out
}
