import { ChangeKind, type JsonValue, type RecordMeta, type Row, type Schema, type Value } from '@ferris/core'
import type { Accumulator } from '../analyzer/aggregate-functions.js'
import type { AggregateNode } from '../planner/logical-plan.js'
import { type CompiledExpr, compileExpression, type MutableEvalContext } from './compile-expression.js'
import type { Operator, PipelineBatch, RowErrorHandler } from './operators.js'
import { decodeValue, encodeValue, hashKey } from './value-codec.js'

interface Group {
  readonly key: Value[]
  readonly accumulators: Accumulator[]
}

/**
 * GROUP BY without a window. Groups live in a Map keyed by their key values (one value stands for itself;
 * several are joined into one string), so memory grows with the number of distinct groups.
 *
 * `EMIT CHANGES` (the default): after each batch, one UPDATE_AFTER row per group the batch changed, with the
 * key columns named in `keyFields`. `EMIT FINAL`: nothing until the input ends, then one row per group.
 */
export class AggregateOperator implements Operator {
  readonly schema: Schema
  readonly done = false
  readonly #node: AggregateNode
  readonly #keys: CompiledExpr[]
  readonly #args: Array<CompiledExpr | undefined>
  readonly #filters: Array<CompiledExpr | undefined>
  readonly #groups = new Map<unknown, Group>()
  readonly #onError: RowErrorHandler

  constructor(node: AggregateNode, context: MutableEvalContext, onError: RowErrorHandler) {
    this.schema = node.schema
    this.#node = node
    this.#keys = node.keys.map((k) => compileExpression(k, context))
    this.#args = node.aggregates.map((a) => (a.arg === undefined ? undefined : compileExpression(a.arg, context)))
    this.#filters = node.aggregates.map((a) =>
      a.filter === undefined ? undefined : compileExpression(a.filter, context),
    )
    this.#onError = onError
  }

  /** Distinct groups held. */
  get size(): number {
    return this.#groups.size
  }

  process(batch: PipelineBatch): PipelineBatch {
    const { rows, meta } = batch
    const keys = this.#keys
    const args = this.#args
    const filters = this.#filters
    const nk = keys.length
    const na = args.length
    const changed = this.#node.emit === 'changes' ? new Set<Group>() : undefined
    const keyValues: Value[] = new Array(nk)
    const argValues: Value[] = new Array(na)
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!
      const m: RecordMeta | undefined = meta?.[i]
      let group: Group
      try {
        // Every expression of the row is evaluated before any state changes, so a row that fails leaves
        // the groups as they were.
        for (let k = 0; k < nk; k++) keyValues[k] = keys[k]!(row, m)
        for (let a = 0; a < na; a++) {
          const f = filters[a]
          if (f !== undefined && f(row, m) !== true) {
            argValues[a] = undefined as unknown as Value
            continue
          }
          const g = args[a]
          argValues[a] = g === undefined ? true : g(row, m)
        }
        group = this.#group(keyValues)
        for (let a = 0; a < na; a++) {
          const v = argValues[a]
          if (v !== undefined) group.accumulators[a]!.add(v)
        }
      } catch (error) {
        this.#onError(error, batch.origin === undefined ? i : batch.origin[i]!, row)
        continue
      }
      changed?.add(group)
    }
    if (changed === undefined || changed.size === 0) return { schema: this.schema, rows: [] }

    return this.#emit([...changed], ChangeKind.UPDATE_AFTER)
  }

  finish(): PipelineBatch[] {
    if (this.#node.emit !== 'final') return []
    // A global aggregate (no GROUP BY) over no rows still has one row: COUNT(*) = 0, SUM = NULL.
    if (this.#groups.size === 0 && this.#keys.length === 0) this.#group([])

    return [this.#emit([...this.#groups.values()], ChangeKind.INSERT)]
  }

  snapshot(): JsonValue {
    return {
      groups: [...this.#groups.values()].map((g) => [g.key.map(encodeValue), g.accumulators.map((a) => a.save())]),
    }
  }

  restore(state: JsonValue): void {
    const groups = (state as { groups?: Array<[JsonValue[], JsonValue[]]> } | null)?.groups ?? []
    this.#groups.clear()
    for (const [key, accs] of groups) {
      const group = this.#group(key.map(decodeValue))
      accs.forEach((s, i) => {
        group.accumulators[i]!.load(s)
      })
    }
  }

  #group(keyValues: readonly Value[]): Group {
    const hash =
      keyValues.length === 1 ? hashKey(keyValues[0]!) : keyValues.map((v) => String(hashKey(v))).join('\u0000')
    let group = this.#groups.get(hash)
    if (group === undefined) {
      group = { key: [...keyValues], accumulators: this.#node.aggregates.map((a) => a.aggregate.create()) }
      this.#groups.set(hash, group)
    }

    return group
  }

  #emit(groups: readonly Group[], kind: ChangeKind): PipelineBatch {
    const out: Row[] = new Array(groups.length)
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!
      const row: Row = g.key.slice()
      for (const acc of g.accumulators) row.push(acc.result())
      out[i] = row
    }

    return {
      schema: this.schema,
      rows: out,
      kinds: new Uint8Array(out.length).fill(kind),
      keyFields: this.#keys.map((_, i) => i),
    }
  }
}
