import { FerrisError, type Row, type Value } from '@ferris/core'
import type { SubquerySpec } from '../planner/logical-plan.js'
import { type CompiledExpr, compileExpression, type MutableEvalContext } from './compile-expression.js'
import type { TableListener, TableState } from './table-state.js'
import { hashKey } from './value-codec.js'

/** The table rows one outer row can see: all of them, or those with its correlation values. */
interface Group {
  readonly rows: Set<Row>
  /** IN: how many rows hold each value (by hash), and how many hold NULL. */
  readonly counts: Map<unknown, number>
  nulls: number
  /** A scalar aggregate's result, until the group changes. */
  cached?: { value: Value }
}

/**
 * Evaluates one subquery against its table's current rows. The rows that pass the subquery's own WHERE are
 * kept in groups by their correlation values (one group when uncorrelated), updated as the table changes,
 * so an IN or EXISTS costs one lookup per outer row. SQL's NULL rules: `x IN (...)` is NULL when x is NULL
 * or when no row equals x but one holds NULL, FALSE when the subquery has no rows; a correlation value that
 * is NULL matches no row; a scalar subquery without rows is NULL and with more than one row an error.
 */
export class SubqueryEvaluator implements TableListener {
  readonly #spec: SubquerySpec
  readonly #filter: CompiledExpr | undefined
  readonly #inner: CompiledExpr[]
  readonly #value: CompiledExpr | undefined
  readonly #aggArg: CompiledExpr | undefined
  readonly #groups = new Map<unknown, Group>()
  /** IN by hash only when equal values hash alike on both sides (same type family); else compare with `=`. */
  readonly #hashed: boolean
  readonly #eqArgs: Value[] = [null, null]
  readonly #context: MutableEvalContext

  constructor(spec: SubquerySpec, context: MutableEvalContext, table: TableState) {
    this.#spec = spec
    this.#context = context
    this.#filter = spec.filter === undefined ? undefined : compileExpression(spec.filter, context)
    this.#inner = spec.inner.map((e) => compileExpression(e, context))
    this.#value = spec.value === undefined ? undefined : compileExpression(spec.value, context)
    this.#aggArg = spec.aggregate?.arg === undefined ? undefined : compileExpression(spec.aggregate.arg, context)
    this.#hashed = spec.kind === 'in' && spec.hashed === true
    table.listen(this)
  }

  insert(row: Row): void {
    if (this.#filter !== undefined && this.#filter(row, undefined) !== true) return
    const key = this.#key(this.#inner.map((e) => e(row, undefined)))
    if (key === undefined) return
    let group = this.#groups.get(key)
    if (group === undefined) {
      group = { rows: new Set(), counts: new Map(), nulls: 0 }
      this.#groups.set(key, group)
    }
    group.rows.add(row)
    delete group.cached
    if (this.#hashed) {
      const v = this.#value!(row, undefined)
      if (v === null) group.nulls++
      else {
        const h = hashKey(normalize(v))
        group.counts.set(h, (group.counts.get(h) ?? 0) + 1)
      }
    }
  }

  remove(row: Row): void {
    if (this.#filter !== undefined && this.#filter(row, undefined) !== true) return
    const key = this.#key(this.#inner.map((e) => e(row, undefined)))
    const group = key === undefined ? undefined : this.#groups.get(key)
    if (group === undefined || !group.rows.delete(row)) return
    delete group.cached
    if (this.#hashed) {
      const v = this.#value!(row, undefined)
      if (v === null) group.nulls--
      else {
        const h = hashKey(normalize(v))
        const n = (group.counts.get(h) ?? 0) - 1
        if (n <= 0) group.counts.delete(h)
        else group.counts.set(h, n)
      }
    }
    if (group.rows.size === 0) this.#groups.delete(key)
  }

  /** `args`: the IN operand (for IN), then the outer correlation values. */
  evaluate(args: readonly unknown[]): Value {
    const spec = this.#spec
    const isIn = spec.kind === 'in'
    const outer = (isIn ? args.slice(1) : args) as Value[]
    const key = this.#key(outer)
    const group = key === undefined ? undefined : this.#groups.get(key)
    switch (spec.kind) {
      case 'exists': {
        const found = group !== undefined && group.rows.size > 0
        return spec.negated ? !found : found
      }
      case 'in': {
        const result = this.#in((args[0] ?? null) as Value, group)
        return result === null ? null : spec.negated ? !result : result
      }
      case 'scalar':
        return this.#scalar(group)
    }
  }

  #in(x: Value, group: Group | undefined): boolean | null {
    if (group === undefined || group.rows.size === 0) return false
    if (x === null) return null
    if (this.#hashed) {
      if (group.counts.has(hashKey(normalize(x)))) return true
      return group.nulls > 0 ? null : false
    }
    let sawNull = false
    const eq = this.#spec.eq!
    for (const row of group.rows) {
      const v = this.#value!(row, undefined)
      if (v === null) {
        sawNull = true
        continue
      }
      this.#eqArgs[0] = x
      this.#eqArgs[1] = v
      if (eq.evaluate(this.#eqArgs, this.#context) === true) return true
    }

    return sawNull ? null : false
  }

  // Limitation: a scalar aggregate is recomputed over its group's rows after the group changed (not updated
  // incrementally), so an uncorrelated one costs the table's size once per change batch that touched it.
  #scalar(group: Group | undefined): Value {
    const agg = this.#spec.aggregate
    if (agg !== undefined) {
      if (group?.cached !== undefined) return group.cached.value
      const acc = agg.aggregate.create()
      for (const row of group?.rows ?? []) acc.add(this.#aggArg === undefined ? true : this.#aggArg(row, undefined))
      const value = acc.result()
      if (group !== undefined) group.cached = { value }
      return value
    }
    if (group === undefined || group.rows.size === 0) return null
    if (group.rows.size > 1) {
      throw new FerrisError(
        'FERRIS_EVALUATION',
        `The scalar subquery ${this.#spec.text} returned ${group.rows.size} rows; a subquery used as a value may return at most one`,
        {
          value: this.#spec.text,
          hint: 'Make it return one row: correlate it on a key of the table, or aggregate (max(v), count(*))',
        },
      )
    }
    const [row] = group.rows

    return this.#value!(row!, undefined)
  }

  /** The group key of correlation values; undefined when one is NULL (`=` with NULL matches nothing). */
  #key(values: readonly Value[]): unknown {
    if (values.length === 0) return ''
    const parts: string[] = []
    for (const v of values) {
      if (v === null) return undefined
      parts.push(String(hashKey(normalize(v))))
    }

    return parts.length === 1 ? parts[0] : parts.join('\u0000')
  }
}

function normalize(v: Value): Value {
  return typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v
}
