import type { JsonValue, RecordMeta, Row, Schema, Value } from '@ferris/core'
import type { JoinNode } from '../planner/logical-plan.js'
import { type CompiledExpr, compileExpression, type MutableEvalContext } from './compile-expression.js'
import type { Operator, PipelineBatch, RowErrorHandler } from './operators.js'
import type { TableListener, TableState } from './table-state.js'
import { hashKey } from './value-codec.js'

/**
 * A stream joined to a table held in memory (`TableState`): the operator indexes the table's rows by their
 * join-key values and keeps that index current as the table changes (a table kept current by its change
 * stream replaces and deletes rows between stream batches), so each stream row joins the table as it is
 * when the row is processed. Memory: the table's rows plus one index entry per row. A key with a NULL part
 * never matches, as SQL's `=` says; for a LEFT join such stream rows come out padded with NULLs.
 */
export class JoinOperator implements Operator, TableListener {
  readonly schema: Schema
  readonly done = false
  readonly source: string
  readonly #node: JoinNode
  readonly #streamKeys: CompiledExpr[]
  readonly #tableKeys: CompiledExpr[]
  readonly #residual: CompiledExpr | undefined
  readonly #table = new Map<unknown, Set<Row>>()
  /** RIGHT and FULL: every table row in load order, and which of them some stream row matched. */
  readonly #all: Row[] = []
  readonly #position = new Map<Row, number>()
  #matched: Uint8Array = new Uint8Array(0)
  readonly #outerTable: boolean
  readonly #nulls: Row
  readonly #streamNulls: Row
  readonly #onError: RowErrorHandler
  #tableRows = 0

  constructor(node: JoinNode, context: MutableEvalContext, onError: RowErrorHandler, table: TableState) {
    this.schema = node.schema
    this.source = node.table.source
    this.#node = node
    this.#streamKeys = node.streamKeys.map((k) => compileExpression(k, context))
    this.#tableKeys = node.tableKeys.map((k) => compileExpression(k, context))
    this.#residual = node.residual === undefined ? undefined : compileExpression(node.residual, context)
    this.#nulls = new Array(node.table.schema.length).fill(null)
    this.#outerTable = node.type === 'right' || node.type === 'full'
    this.#streamNulls = new Array(node.schema.length - node.table.schema.length).fill(null)
    this.#onError = onError
    table.listen(this)
  }

  /** Rows of the table indexed (those whose key has no NULL part). */
  get tableSize(): number {
    return this.#tableRows
  }

  // Limitation: table rows are held without their record metadata, so ON cannot read `c._key` of the table side.
  insert(row: Row): void {
    if (this.#outerTable) {
      // Only tables that never change take part in RIGHT and FULL joins: load order is stable.
      this.#position.set(row, this.#all.length)
      this.#all.push(row)
    }
    const key = this.#key(this.#tableKeys, row, undefined)
    if (key === undefined) return
    const set = this.#table.get(key)
    if (set === undefined) this.#table.set(key, new Set([row]))
    else set.add(row)
    this.#tableRows++
  }

  remove(row: Row): void {
    const key = this.#key(this.#tableKeys, row, undefined)
    const set = key === undefined ? undefined : this.#table.get(key)
    if (set === undefined || !set.delete(row)) return
    if (set.size === 0) this.#table.delete(key)
    this.#tableRows--
  }

  process(batch: PipelineBatch): PipelineBatch {
    const { rows, meta, kinds } = batch
    const left = this.#node.type === 'left' || this.#node.type === 'full'
    const outerTable = this.#outerTable
    if (outerTable && this.#matched.length < this.#all.length) {
      const grown = new Uint8Array(this.#all.length)
      grown.set(this.#matched)
      this.#matched = grown
    }
    const residual = this.#residual
    const out: Row[] = []
    const outMeta: Array<RecordMeta | undefined> | undefined = meta === undefined ? undefined : []
    const outKinds: number[] | undefined = kinds === undefined ? undefined : []
    const origin: number[] = []
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!
      const m = meta?.[i]
      const source = batch.origin === undefined ? i : batch.origin[i]!
      let matched = false
      try {
        const key = this.#key(this.#streamKeys, row, m)
        const candidates = key === undefined ? undefined : this.#table.get(key)
        if (candidates !== undefined) {
          for (const t of candidates) {
            const joined = row.concat(t)
            if (residual !== undefined && residual(joined, m) !== true) continue
            out.push(joined)
            matched = true
            if (outerTable) this.#matched[this.#position.get(t)!] = 1
            outMeta?.push(m)
            outKinds?.push(kinds![i]!)
            origin.push(source)
          }
        }
      } catch (error) {
        this.#onError(error, source, row)
        continue
      }
      if (!matched && left) {
        out.push(row.concat(this.#nulls))
        outMeta?.push(m)
        outKinds?.push(kinds![i]!)
        origin.push(source)
      }
    }

    return {
      schema: this.schema,
      rows: out,
      ...(outMeta === undefined ? {} : { meta: outMeta }),
      ...(outKinds === undefined ? {} : { kinds: Uint8Array.from(outKinds) }),
      origin: Uint32Array.from(origin),
    }
  }

  /** RIGHT and FULL, at the end of a bounded stream: the table rows nothing matched, with NULL stream columns. */
  finish(): PipelineBatch[] {
    if (!this.#outerTable) return []
    const rows: Row[] = []
    for (let i = 0; i < this.#all.length; i++)
      if (this.#matched[i] !== 1) rows.push(this.#streamNulls.concat(this.#all[i]!))

    return [{ schema: this.schema, rows }]
  }

  /** Which table rows were matched (RIGHT and FULL), by load order; such a table is reloaded on restart. */
  snapshot(): JsonValue {
    if (!this.#outerTable) return null
    const matched: number[] = []
    for (let i = 0; i < this.#matched.length; i++) if (this.#matched[i] === 1) matched.push(i)

    return { matched }
  }

  restore(state: JsonValue): void {
    const matched = (state as { matched?: number[] } | null)?.matched ?? []
    let size = this.#matched.length
    for (const i of matched) if (i + 1 > size) size = i + 1
    const flags = new Uint8Array(size)
    flags.set(this.#matched)
    for (const i of matched) flags[i] = 1
    this.#matched = flags
  }

  /** The key's hash, or undefined when a part is NULL (it matches nothing). */
  #key(exprs: readonly CompiledExpr[], row: Row, meta: RecordMeta | undefined): unknown {
    if (exprs.length === 1) {
      const v = exprs[0]!(row, meta)
      return v === null ? undefined : hashKey(normalize(v))
    }
    const parts: string[] = []
    for (const e of exprs) {
      const v = e(row, meta)
      if (v === null) return undefined
      parts.push(String(hashKey(normalize(v))))
    }

    return parts.join('\u0000')
  }
}

/** INT and BIGINT keys compare by value: 7 and 7n are one key. */
function normalize(v: Value): Value {
  return typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v
}
