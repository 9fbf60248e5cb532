import {
  FerrisError,
  formatTimestamp,
  type JsonValue,
  type RecordMeta,
  type Row,
  type Schema,
  type Value,
} from '@ferris/core'
import { fromSecondStream } from '../job/merged-reader.js'
import type { JoinNode, LateRecords } from '../planner/logical-plan.js'
import { type CompiledExpr, compileExpression, type MutableEvalContext } from './compile-expression.js'
import type { Operator, PipelineBatch, RowErrorHandler } from './operators.js'
import { decodeValue, encodeValue, hashKey } from './value-codec.js'
import { Watermark } from './watermark.js'

interface Buffered {
  readonly row: Row
  readonly time: bigint
  /** Some row of the other side matched it: an outer join never pads it. */
  matched: boolean
}

type Side = 0 | 1

const NEVER = -(2n ** 127n)

/**
 * A stream-to-stream join bounded in time: `ON s.k = r.k AND r.t BETWEEN s.t + lower AND s.t + upper`, INNER,
 * LEFT, RIGHT or FULL. Side 0 is the left stream, side 1 the right one. Each side's rows wait in a buffer, by
 * join key, for rows of the other side; a row arriving on one side is matched against the other side's buffer
 * (the whole ON checked per pair), marks the partners it matched, and is then buffered itself.
 *
 * Each side has a watermark: its largest event time minus the out-of-orderness (the larger
 * `'<source>.watermark.delay'` of the two), moved once per batch. A buffered row is freed once the other
 * side's watermark has passed the last time a partner could have (a left row at `s` when it passes
 * `s + upper`; a right row at `t` when it passes `t - lower`); a partner exactly at that end still matches.
 * On an outer side a freed row that nothing matched comes out padded with NULLs, so it is emitted once: joined
 * or padded, never both. A row whose key has a NULL part, or whose time is NULL, can match nothing: an outer
 * side pads it at once. When bounded input ends every unmatched row of an outer side comes out padded.
 *
 * A row behind its own side's watermark is late: partners it could have matched may already be freed.
 * `job.late_records` = `drop` counts it, `dead_letter` also hands it to the bad-record policy, `update` keeps
 * rows `job.allowed_lateness` longer and joins late rows up to that far behind (padded rows then wait that
 * much longer); rows later than that are dropped. Memory: the rows of both sides within that time span.
 */
export class IntervalJoinOperator implements Operator {
  readonly schema: Schema
  readonly done = false
  readonly #keys: [CompiledExpr[], CompiledExpr[]]
  readonly #times: [CompiledExpr, CompiledExpr]
  readonly #residual: CompiledExpr | undefined
  readonly #lower: bigint
  readonly #upper: bigint
  readonly #delay: bigint
  readonly #lateRecords: LateRecords
  /** How far behind its watermark a side still takes rows, and how much longer rows are kept. */
  readonly #lateness: bigint
  /** Whether unmatched rows of each side come out padded (LEFT: side 0, RIGHT: side 1, FULL: both). */
  readonly #outer: [boolean, boolean]
  /** NULLs for the columns of each side, to pad the other side's rows. */
  readonly #nulls: [Row, Row]
  readonly #buffers: [Map<unknown, Buffered[]>, Map<unknown, Buffered[]>] = [new Map(), new Map()]
  /** Each side's event-time clock, per partition of its stream (see Watermark), with the join's delay. */
  readonly #marks: [Watermark, Watermark]
  readonly #onError: RowErrorHandler
  #late = 0

  constructor(node: JoinNode, context: MutableEvalContext, onError: RowErrorHandler) {
    const interval = node.interval!
    this.schema = node.schema
    this.#keys = [
      node.streamKeys.map((k) => compileExpression(k, context)),
      node.tableKeys.map((k) => compileExpression(k, context)),
    ]
    this.#times = [compileExpression(interval.streamTime, context), compileExpression(interval.tableTime, context)]
    this.#residual = node.residual === undefined ? undefined : compileExpression(node.residual, context)
    this.#lower = interval.lower
    this.#upper = interval.upper
    this.#delay = interval.delay
    this.#marks = [new Watermark(this.#delay), new Watermark(this.#delay)]
    this.#lateRecords = interval.lateRecords
    this.#lateness = interval.lateRecords === 'update' ? interval.allowedLateness : 0n
    this.#outer = [node.type === 'left' || node.type === 'full', node.type === 'right' || node.type === 'full']
    const rightWidth = node.table.schema.length
    this.#nulls = [new Array(node.schema.length - rightWidth).fill(null), new Array(rightWidth).fill(null)]
    this.#onError = onError
  }

  /** Rows waiting in both buffers. */
  get size(): number {
    let n = 0
    for (const b of this.#buffers) for (const list of b.values()) n += list.length

    return n
  }

  /** The lower of the two sides' watermarks (for the watermark-lag metric); `-2^127` before both have rows. */
  get watermark(): bigint {
    // bigints: Math.min does not take them.
    const left = this.#watermark(0)
    const right = this.#watermark(1)
    if (right < left) return right

    return left
  }

  /** Late rows dropped (or handed to the bad-record policy) so far. */
  get lateRecords(): number {
    return this.#late
  }

  process(batch: PipelineBatch): PipelineBatch {
    const side: Side = fromSecondStream(batch) ? 1 : 0
    const other: Side = side === 0 ? 1 : 0
    const { rows, meta } = batch
    const out: Row[] = []
    const outMeta: Array<RecordMeta | undefined> = []
    const origin: number[] = []
    const push = (row: Row, m: RecordMeta | undefined, source: number) => {
      out.push(row)
      outMeta.push(m)
      origin.push(source)
    }
    const residual = this.#residual
    const outer = this.#outer[side]
    // The watermark moves once per batch: lateness is judged against where it stood before this batch.
    const watermark = this.#watermark(side)
    const lateBelow = watermark - this.#lateness
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!
      const m = meta?.[i]
      const source = batch.origin === undefined ? i : batch.origin[i]!
      try {
        const time = this.#times[side](row, m) as bigint | null
        if (time !== null && time < lateBelow) {
          this.#lateRow(time, watermark, source, row)
          continue
        }
        if (time !== null) this.#marks[side].observe(time, m?.partition, m?.topic)
        const key = time === null ? undefined : this.#key(this.#keys[side], row, m)
        if (key === undefined || time === null) {
          // A NULL key part or a NULL time satisfies no ON: nothing can ever match this row.
          if (outer) push(this.#pad(side, row), m, source)
          continue
        }
        let matched = false
        for (const partner of this.#buffers[other].get(key) ?? []) {
          const joined = side === 0 ? row.concat(partner.row) : partner.row.concat(row)
          if (residual !== undefined && residual(joined, m) !== true) continue
          partner.matched = true
          matched = true
          push(joined, m, source)
        }
        const own = this.#buffers[side]
        const entry: Buffered = { row, time, matched }
        const list = own.get(key)
        if (list === undefined) own.set(key, [entry])
        else list.push(entry)
      } catch (error) {
        this.#onError(error, source, row)
      }
    }
    this.#marks[side].advance()
    // Padded rows freed now belong to no row of this batch; they name its first row if a later step fails.
    for (const padded of this.#expire()) push(padded, undefined, 0)

    return {
      schema: this.schema,
      rows: out,
      ...(meta === undefined ? {} : { meta: outMeta }),
      origin: Uint32Array.from(origin),
    }
  }

  /** End of bounded input: no partner can arrive any more, so every unmatched row of an outer side is padded. */
  finish(): PipelineBatch[] {
    const rows: Row[] = []
    for (const side of [0, 1] as const) {
      const buffer = this.#buffers[side]
      if (this.#outer[side])
        for (const list of buffer.values()) for (const b of list) if (!b.matched) rows.push(this.#pad(side, b.row))
      buffer.clear()
    }

    return rows.length === 0 ? [] : [{ schema: this.schema, rows }]
  }

  #watermark(side: Side): bigint {
    return this.#marks[side].current
  }

  #pad(side: Side, row: Row): Row {
    return side === 0 ? row.concat(this.#nulls[1]) : this.#nulls[0].concat(row)
  }

  #lateRow(time: bigint, watermark: bigint, source: number, row: Row): void {
    this.#late++
    if (this.#lateRecords !== 'dead_letter') return
    this.#onError(
      new FerrisError(
        'FERRIS_EVALUATION',
        `Late record: its event time ${formatTimestamp(time, 'ns', 'UTC')} is behind the watermark ${formatTimestamp(watermark, 'ns', 'UTC')} of its side of the join, so the rows it could have matched may be gone`,
        {
          value: String(time),
          hint: "Raise '<source>.watermark.delay', or set job.late_records = 'update' with a job.allowed_lateness",
        },
      ),
      source,
      row,
    )
  }

  /** Frees rows no future row of the other side can match; returns the padded rows of outer sides. */
  #expire(): Row[] {
    // Future left rows have time >= leftWatermark - lateness; a right row at t matches left times in
    // [t - upper, t - lower]. Future right rows have time >= rightWatermark - lateness; a left row at s
    // matches right times in [s + lower, s + upper].
    const leftFloor = this.#watermark(0) - this.#lateness
    const rightFloor = this.#watermark(1) - this.#lateness
    const padded: Row[] = []
    this.#prune(0, (s) => s + this.#upper < rightFloor, padded)
    this.#prune(1, (t) => t - this.#lower < leftFloor, padded)

    return padded
  }

  #prune(side: Side, expired: (time: bigint) => boolean, padded: Row[]): void {
    const buffer = this.#buffers[side]
    const outer = this.#outer[side]
    for (const [key, list] of buffer) {
      const kept: Buffered[] = []
      for (const b of list) {
        if (!expired(b.time)) kept.push(b)
        else if (outer && !b.matched) padded.push(this.#pad(side, b.row))
      }
      if (kept.length === 0) buffer.delete(key)
      else if (kept.length !== list.length) buffer.set(key, kept)
    }
  }

  #key(exprs: readonly CompiledExpr[], row: Row, meta: RecordMeta | undefined): unknown {
    const parts: unknown[] = []
    for (const e of exprs) {
      const v = e(row, meta)
      if (v === null) return undefined
      parts.push(hashKey(typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : (v as Value)))
    }

    return parts.length === 1 ? parts[0] : parts.map(String).join('\u0000')
  }

  /** Both buffers with each row's time and matched flag (`1` when matched), both watermarks' maxima, late rows. */
  snapshot(): JsonValue {
    return {
      marks: this.#marks.map((w) => w.save()),
      buffers: this.#buffers.map((b) =>
        [...b.values()].flat().map((x) => [x.row.map(encodeValue), x.time.toString(), x.matched ? 1 : 0]),
      ),
      late: this.#late,
    }
  }

  /** The partitions of one stream with unread records hold that side's watermark until they deliver. */
  expectSplits(splits: readonly (number | string)[], side: Side = 0, held?: readonly (number | string)[]): void {
    this.#marks[side].expect(splits, held)
  }

  restore(state: JsonValue): void {
    const s = state as {
      /** Checkpoints before partitions were told apart: each side's largest event time. */
      max?: string[]
      marks?: Array<ReturnType<Watermark['save']>>
      buffers?: Array<Array<[JsonValue[], string, number?]>>
      late?: number
    } | null
    if (s === null) return
    s.max?.forEach((m, i) => {
      const max = BigInt(m)
      this.#marks[i as Side].load(max === NEVER ? {} : { max: m, current: (max - this.#delay).toString() })
    })
    s.marks?.forEach((m, i) => {
      this.#marks[i as Side].load(m)
    })
    this.#late = s.late ?? 0
    s.buffers?.forEach((entries, side) => {
      const buffer = this.#buffers[side as Side]
      buffer.clear()
      for (const [row, time, matched] of entries) {
        const r = row.map(decodeValue)
        const key = this.#key(this.#keys[side as Side], r, undefined)
        const entry: Buffered = { row: r, time: BigInt(time), matched: matched === 1 }
        const list = buffer.get(key)
        if (list === undefined) buffer.set(key, [entry])
        else list.push(entry)
      }
    })
  }
}
