import type { JsonValue, RecordMeta, Row, Schema, Value } from '@ferris/core'
import { fromSecondStream } from '../job/merged-reader.js'
import type { JoinNode } from '../planner/logical-plan.js'
import { type CompiledExpr, compileExpression, type MutableEvalContext } from './compile-expression.js'
import type { Operator, PipelineBatch, RowErrorHandler } from './operators.js'
import { decodeValue, encodeValue, hashKey } from './value-codec.js'

interface Buffered {
  readonly row: Row
  readonly time: bigint
}

const NEVER = -(2n ** 127n)

/**
 * A stream-to-stream INNER join bounded in time: `ON s.k = r.k AND r.t BETWEEN s.t + lower AND s.t + upper`.
 * Each side's rows wait in a buffer, by join key, for rows of the other side; a row arriving on one side is
 * matched against the other side's buffer (the whole ON checked per pair) and then buffered itself.
 *
 * A buffered row is freed once the other side's event time, minus the out-of-orderness
 * (`'<source>.watermark.delay'`, the larger of the two), has moved past the last time it could still match.
 * Memory: the rows of both sides within that time span. A row that arrives after its partners were freed
 * finds nothing (no late-row policy for joins yet).
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
  readonly #buffers: [Map<unknown, Buffered[]>, Map<unknown, Buffered[]>] = [new Map(), new Map()]
  readonly #maxTime: [bigint, bigint] = [NEVER, NEVER]
  readonly #onError: RowErrorHandler

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
    this.#onError = onError
  }

  /** Rows waiting in both buffers. */
  get size(): number {
    let n = 0
    for (const b of this.#buffers) for (const list of b.values()) n += list.length

    return n
  }

  process(batch: PipelineBatch): PipelineBatch {
    const side = fromSecondStream(batch) ? 1 : 0
    const other = side === 0 ? 1 : 0
    const { rows, meta } = batch
    const out: Row[] = []
    const outMeta: Array<RecordMeta | undefined> = []
    const origin: number[] = []
    const residual = this.#residual
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!
      const m = meta?.[i]
      const source = batch.origin === undefined ? i : batch.origin[i]!
      try {
        const key = this.#key(this.#keys[side], row, m)
        const time = this.#times[side](row, m) as bigint | null
        if (key === undefined || time === null) continue
        if (time > this.#maxTime[side]) this.#maxTime[side] = time
        for (const partner of this.#buffers[other].get(key) ?? []) {
          const joined = side === 0 ? row.concat(partner.row) : partner.row.concat(row)
          if (residual !== undefined && residual(joined, m) !== true) continue
          out.push(joined)
          outMeta.push(m)
          origin.push(source)
        }
        const own = this.#buffers[side]
        const list = own.get(key)
        if (list === undefined) own.set(key, [{ row, time }])
        else list.push({ row, time })
      } catch (error) {
        this.#onError(error, source, row)
      }
    }
    this.#expire()

    return {
      schema: this.schema,
      rows: out,
      ...(meta === undefined ? {} : { meta: outMeta }),
      origin: Uint32Array.from(origin),
    }
  }

  /** Frees rows no future row of the other side can match. */
  #expire(): void {
    // Future stream rows have time >= maxTime[0] - delay; a table row at t matches stream times in
    // [t - upper, t - lower]. Future table rows have time >= maxTime[1] - delay; a stream row at s matches
    // table times in [s + lower, s + upper].
    const streamFloor = this.#maxTime[0] === NEVER ? NEVER : this.#maxTime[0] - this.#delay
    const tableFloor = this.#maxTime[1] === NEVER ? NEVER : this.#maxTime[1] - this.#delay
    this.#prune(this.#buffers[0], (s) => s + this.#upper < tableFloor)
    this.#prune(this.#buffers[1], (t) => t - this.#lower < streamFloor)
  }

  #prune(buffer: Map<unknown, Buffered[]>, expired: (time: bigint) => boolean): void {
    for (const [key, list] of buffer) {
      const kept = list.filter((b) => !expired(b.time))
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

  snapshot(): JsonValue {
    return {
      max: this.#maxTime.map(String),
      buffers: this.#buffers.map((b) => [...b.values()].flat().map((x) => [x.row.map(encodeValue), x.time.toString()])),
    }
  }

  restore(state: JsonValue): void {
    const s = state as { max?: string[]; buffers?: Array<Array<[JsonValue[], string]>> } | null
    if (s === null) return
    s.max?.forEach((m, i) => {
      this.#maxTime[i as 0 | 1] = BigInt(m)
    })
    s.buffers?.forEach((entries, side) => {
      const buffer = this.#buffers[side as 0 | 1]
      buffer.clear()
      for (const [row, time] of entries) {
        const r = row.map(decodeValue)
        const key = this.#key(this.#keys[side as 0 | 1], r, undefined)
        const list = buffer.get(key)
        if (list === undefined) buffer.set(key, [{ row: r, time: BigInt(time) }])
        else list.push({ row: r, time: BigInt(time) })
      }
    })
  }
}
