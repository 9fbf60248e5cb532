import {
  type DataType,
  Decimal,
  type ErrorCode,
  Interval,
  isFerrisError,
  type Schema,
  T,
  typeToString,
  type Value,
} from '@ferris/core'
import type { BoundFunction } from '../functions/function-definition.js'
import type { Expr, FunctionCall } from '../parser/ast.js'
import type { SourceText, Span } from '../parser/source-text.js'
import type { BoundExpr, MetaField } from './bound-expr.js'
import type { ComparisonOp, OperatorLibrary } from './operator-library.js'
import { didYouMean } from './suggest.js'

/** Aggregate functions: bound by the aggregation operator, never as scalar functions. */
export const AGGREGATE_FUNCTIONS = new Set([
  'COUNT',
  'SUM',
  'AVG',
  'MIN',
  'MAX',
  'STDDEV',
  'STDDEV_POP',
  'STDDEV_SAMP',
  'VARIANCE',
  'VAR_POP',
  'VAR_SAMP',
  'FIRST_VALUE',
  'LAST_VALUE',
  'LISTAGG',
  'STRING_AGG',
])

/** Functions that only exist with OVER (...). */
export const WINDOW_FUNCTIONS = new Set(['ROW_NUMBER', 'RANK', 'DENSE_RANK', 'LAG', 'LEAD'])

const META_TYPES: Readonly<Record<MetaField, DataType>> = {
  _key: T.string,
  _timestamp: T.timestamp('ns'),
  _partition: T.int32,
  _offset: T.int64,
  _topic: T.string,
}

/** The columns an expression can see: one input relation for now; joins add more. */
export interface Scope {
  readonly schema: Schema
  /** Names the relation answers to in `x.col`: the source name and its alias. */
  readonly qualifiers: readonly string[]
  /**
   * Set for the select list and HAVING of an aggregating query: expressions then read the aggregate's
   * output (group keys, then aggregate results) instead of the input rows.
   */
  readonly grouping?: Grouping
  /**
   * A join's inputs, side by side in `schema`: each relation's qualifiers and its field range `[start, end)`.
   * A qualified column is looked up in its relation only; an unqualified one must be unique across them.
   */
  /**
   * Set for the select list of a query with window functions: a call with OVER becomes a reference to the
   * row window's output column that holds its value.
   */
  readonly windows?: WindowCalls
  readonly relations?: ReadonlyArray<{
    readonly qualifiers: readonly string[]
    readonly start: number
    readonly end: number
  }>
}

export interface Grouping {
  /** Matches an expression against the GROUP BY keys; returns a reference to the key's output column. */
  matchKey(e: Expr): BoundExpr | undefined
  /** Registers an aggregate call and returns a reference to its output column. */
  aggregate(call: FunctionCall): BoundExpr
}

export interface WindowCalls {
  /** Registers a window function call (`e.over` is set) and returns a reference to its output column. */
  over(call: FunctionCall): BoundExpr
}

/** True when `e` holds an aggregate call outside any subquery. */
export function containsAggregate(e: Expr): boolean {
  return containsCall(e, (c) => AGGREGATE_FUNCTIONS.has(c.name.name.toUpperCase()) && c.over === undefined)
}

/** True when `e` holds a window function call (one with OVER) outside any subquery. */
export function containsWindowCall(e: Expr): boolean {
  return containsCall(e, (c) => c.over !== undefined)
}

function containsCall(e: Expr, match: (call: FunctionCall) => boolean): boolean {
  const any = (x: Expr) => containsCall(x, match)
  switch (e.kind) {
    case 'call':
      return match(e) || e.args.some(any)
    case 'unary':
      return any(e.operand)
    case 'binary':
    case 'is_distinct':
      return any(e.left) || any(e.right)
    case 'is_null':
      return any(e.operand)
    case 'between':
      return any(e.operand) || any(e.low) || any(e.high)
    case 'in_list':
      return any(e.operand) || e.list.some(any)
    case 'like':
      return any(e.operand) || any(e.pattern)
    case 'case':
      return (
        (e.operand !== undefined && any(e.operand)) ||
        e.whens.some((w) => any(w.condition) || any(w.result)) ||
        (e.else !== undefined && any(e.else))
      )
    case 'cast':
      return any(e.operand)
    default:
      return false
  }
}

const I32_MIN = -2147483648n
const I32_MAX = 2147483647n
const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n

/**
 * Resolves names and types of expressions against a scope and binds every operator and function once.
 * Every error points at the expression's text.
 */
export class ExpressionBinder {
  readonly #source: SourceText
  readonly #library: OperatorLibrary
  /** Binds subqueries (against tables); set by the planner, which knows the job's tables. */
  subqueries?: (e: Expr & { kind: 'subquery' | 'exists' | 'in_subquery' }, scope: Scope) => BoundExpr

  constructor(source: SourceText, library: OperatorLibrary) {
    this.#source = source
    this.#library = library
  }

  error(
    span: Span,
    message: string,
    details: { value?: string; expected?: string; hint?: string } = {},
    code: ErrorCode = 'FERRIS_SQL_SEMANTIC',
  ) {
    return this.#source.error(code, span, message, details)
  }

  /** `instead`, when given, says what to write instead; otherwise the hint points at what runs today. */
  unsupported(span: Span, feature: string, instead?: string) {
    return this.#source.error('FERRIS_SQL_SEMANTIC', span, `${feature} is not supported yet`, {
      value: this.#text(span),
      hint:
        instead ??
        'Filters, projections, GROUP BY aggregates, event-time windows and joins run today; see Known limitations in the @ferris/sql README for what does not yet',
    })
  }

  #text(span: Span): string {
    return this.#source.text.slice(span.start, span.end)
  }

  text(span: Span): string {
    return this.#text(span)
  }

  /** The `=` of two bound expressions (an IN subquery's operand and column), with errors at `span`. */
  equality(left: BoundExpr, right: BoundExpr, span: Span): BoundFunction {
    return this.#at(span, () => this.#library.comparison('=', [left.type, right.type], [undefined, undefined]))
  }

  at<R>(span: Span, bind: () => R): R {
    return this.#at(span, bind)
  }

  /** Runs a library binder; its type errors get the location of `span`. */
  #at<R>(span: Span, bind: () => R): R {
    try {
      return bind()
    } catch (e) {
      if (isFerrisError(e) && e.context.location === undefined) {
        throw this.#source.error(e.code, span, e.message, {
          value: this.#text(span),
          ...(e.context.expected === undefined ? {} : { expected: e.context.expected }),
          ...(e.context.hint === undefined ? {} : { hint: e.context.hint }),
          cause: e,
        })
      }
      throw e
    }
  }

  bind(e: Expr, scope: Scope): BoundExpr {
    const text = this.#text(e.span)
    const span = e.span
    if (scope.grouping !== undefined) {
      const key = scope.grouping.matchKey(e)
      if (key !== undefined) return key
      if (e.kind === 'call' && AGGREGATE_FUNCTIONS.has(e.name.name.toUpperCase()) && e.over === undefined) {
        return scope.grouping.aggregate(e)
      }
      if (e.kind === 'column') {
        throw this.error(e.span, `Column ${text} must appear in GROUP BY or be used in an aggregate function`, {
          value: text,
          hint: `Add it to GROUP BY, or aggregate it, e.g. MAX(${text})`,
        })
      }
    }
    switch (e.kind) {
      case 'column':
        return this.#column(e, scope)
      case 'literal':
        return this.#literal(e.type, e.value, span, text)
      case 'interval':
        return { kind: 'literal', value: new Interval(e.months, e.days, e.nanos), type: T.interval, text, span }
      case 'unary': {
        const arg = this.bind(e.operand, scope)
        if (e.op === 'NOT') {
          this.#requireBoolean(arg, 'NOT')
          return { kind: 'not', arg, type: T.boolean, text, span }
        }
        if (e.op === '+') return arg
        const fn = this.#at(span, () => this.#library.negate([arg.type]))
        return this.#call('-', fn, [arg], text, span)
      }
      case 'binary': {
        const left = this.bind(e.left, scope)
        const right = this.bind(e.right, scope)
        if (e.op === 'AND' || e.op === 'OR') {
          this.#requireBoolean(left, e.op)
          this.#requireBoolean(right, e.op)
          // Flatten a AND b AND c into one node, so evaluation is one loop.
          const kind = e.op === 'AND' ? 'and' : 'or'
          const args = [left, right].flatMap((x) => (x.kind === kind ? x.args : [x]))
          return { kind, args, type: T.boolean, text, span }
        }
        const literals = [literalOf(left), literalOf(right)]
        let fn: BoundFunction
        if (e.op === '||') fn = this.#at(e.opSpan, () => this.#library.concat([left.type, right.type]))
        else if (e.op === '+' || e.op === '-' || e.op === '*' || e.op === '/' || e.op === '%') {
          const op = e.op
          fn = this.#at(e.opSpan, () => this.#library.arithmetic(op, [left.type, right.type], literals))
        } else {
          const op = e.op as ComparisonOp
          fn = this.#at(e.opSpan, () => this.#library.comparison(op, [left.type, right.type], literals))
        }
        return this.#call(e.op, fn, [left, right], text, span)
      }
      case 'is_null':
        return { kind: 'is_null', arg: this.bind(e.operand, scope), negated: e.negated, type: T.boolean, text, span }
      case 'is_distinct': {
        const left = this.bind(e.left, scope)
        const right = this.bind(e.right, scope)
        const eq = this.#at(span, () =>
          this.#library.comparison('=', [left.type, right.type], [literalOf(left), literalOf(right)]),
        )
        return { kind: 'distinct', left, right, eq, negated: e.negated, type: T.boolean, text, span }
      }
      case 'between': {
        // x BETWEEN a AND b is x >= a AND x <= b; x is pure, so evaluating it twice is safe.
        const x = this.bind(e.operand, scope)
        const lo = this.bind(e.low, scope)
        const hi = this.bind(e.high, scope)
        const ge = this.#at(span, () =>
          this.#library.comparison('>=', [x.type, lo.type], [literalOf(x), literalOf(lo)]),
        )
        const le = this.#at(span, () =>
          this.#library.comparison('<=', [x.type, hi.type], [literalOf(x), literalOf(hi)]),
        )
        const both: BoundExpr = {
          kind: 'and',
          args: [this.#call('>=', ge, [x, lo], text, span), this.#call('<=', le, [x, hi], text, span)],
          type: T.boolean,
          text,
          span,
        }
        return e.negated ? { kind: 'not', arg: both, type: T.boolean, text, span } : both
      }
      case 'in_list': {
        // x IN (a, b) is x = a OR x = b, which gives SQL's answer for NULLs in the list as well.
        const x = this.bind(e.operand, scope)
        const args = e.list.map((item) => {
          const v = this.bind(item, scope)
          const eq = this.#at(item.span, () =>
            this.#library.comparison('=', [x.type, v.type], [literalOf(x), literalOf(v)]),
          )
          return this.#call('=', eq, [x, v], this.#text(item.span), item.span)
        })
        const any: BoundExpr = args.length === 1 ? args[0]! : { kind: 'or', args, type: T.boolean, text, span }
        return e.negated ? { kind: 'not', arg: any, type: T.boolean, text, span } : any
      }
      case 'like': {
        const args = [this.bind(e.operand, scope), this.bind(e.pattern, scope)]
        if (e.escape !== undefined) args.push(this.bind(e.escape, scope))
        const fn = this.#at(span, () =>
          this.#library.like(
            args.map((a) => a.type),
            args.map(literalOf),
            e.caseInsensitive,
          ),
        )
        const call = this.#call(e.caseInsensitive ? 'ILIKE' : 'LIKE', fn, args, text, span)
        return e.negated ? { kind: 'not', arg: call, type: T.boolean, text, span } : call
      }
      case 'case':
        return this.#case(e, scope, text)
      case 'cast': {
        const arg = this.bind(e.operand, scope)
        const fn = this.#at(span, () => this.#library.cast(arg.type, e.target.type, literalOf(arg), e.safe))
        const call = this.#call(e.safe ? 'TRY_CAST' : 'CAST', fn, [arg], text, span)
        return e.safe ? { kind: 'try', arg: call, type: call.type, text, span } : call
      }
      case 'call':
        return this.#functionCall(e, scope, text)
      case 'subquery':
      case 'exists':
      case 'in_subquery':
        if (this.subqueries === undefined) throw this.unsupported(span, 'A subquery')
        return this.subqueries(e, scope)
    }
  }

  /** The common type of two types (CASE branches, LAG's default), or undefined when there is none. */
  commonType(a: DataType, b: DataType): DataType | undefined {
    return this.#library.commonType(a, b)
  }

  /** `e` converted to `type` (which its own type widens to). */
  widen(e: BoundExpr, type: DataType): BoundExpr {
    const convert = this.#library.coercer(e.type, type)

    return convert === undefined ? e : { kind: 'coerce', arg: e, convert, type, text: e.text, span: e.span }
  }

  #call(name: string, fn: BoundFunction, args: BoundExpr[], text: string, span: Span): BoundExpr {
    return { kind: 'call', name, fn, args, type: fn.type, text, span }
  }

  #requireBoolean(e: BoundExpr, op: string): void {
    if (e.type.kind !== 'boolean' && e.type.kind !== 'null') {
      throw this.error(e.span, `${op} needs a BOOLEAN operand, but ${e.text} is ${typeToString(e.type)}`, {
        value: e.text,
        expected: 'BOOLEAN',
        hint: 'Compare it with something, e.g. x > 0 or x IS NOT NULL',
      })
    }
  }

  requireBoolean(e: BoundExpr, clause: string): void {
    if (e.type.kind !== 'boolean' && e.type.kind !== 'null') {
      throw this.error(e.span, `${clause} needs a BOOLEAN condition, but ${e.text} is ${typeToString(e.type)}`, {
        value: e.text,
        expected: 'BOOLEAN',
        hint: 'Compare it with something, e.g. x > 0 or x IS NOT NULL',
      })
    }
  }

  #column(e: Extract<Expr, { kind: 'column' }>, scope: Scope): BoundExpr {
    const text = this.#text(e.span)
    if (e.qualifier !== undefined) {
      const q = e.qualifier
      const ok = scope.qualifiers.some((n) => (q.quoted ? n === q.name : n.toLowerCase() === q.name.toLowerCase()))
      if (!ok) {
        throw this.error(q.span, `Unknown source "${q.name}" in ${text}.${didYouMean(q.name, scope.qualifiers)}`, {
          value: q.name,
          expected: `one of ${scope.qualifiers.join(', ')}`,
          hint: `Qualify columns with the source name or its alias: ${scope.qualifiers.join(', ')}`,
        })
      }
    }
    const name = e.name.name
    const index = scope.relations === undefined ? scope.schema.indexOf(name, e.name.quoted) : this.#joined(e, scope)
    if (index >= 0) {
      const field = scope.schema.fields[index]!
      return { kind: 'column', index, name: field.name, type: field.type, text, span: e.span }
    }
    const meta = name.toLowerCase() as MetaField
    if (!e.name.quoted && meta in META_TYPES)
      return { kind: 'meta', field: meta, type: META_TYPES[meta], text, span: e.span }
    const names = scope.schema.names
    throw this.error(e.name.span, `Unknown column "${name}".${didYouMean(name, names)}`, {
      value: name,
      expected: `one of ${names.join(', ')}`,
      hint: `Available columns: ${names.join(', ')}; record metadata: ${Object.keys(META_TYPES).join(', ')}`,
    })
  }

  /** Field index of a column of a join's input, or -1. */
  #joined(e: Extract<Expr, { kind: 'column' }>, scope: Scope): number {
    const fields = scope.schema.fields
    const same = (a: string, b: string, quoted: boolean) => (quoted ? a === b : a.toLowerCase() === b.toLowerCase())
    const q = e.qualifier
    const found: number[] = []
    for (const r of scope.relations!) {
      if (q !== undefined && !r.qualifiers.some((n) => same(n, q.name, q.quoted))) continue
      let at = -1
      for (let i = r.start; i < r.end && at < 0; i++) if (fields[i]!.name === e.name.name) at = i
      for (let i = r.start; i < r.end && at < 0 && !e.name.quoted; i++)
        if (same(fields[i]!.name, e.name.name, false)) at = i
      if (at >= 0) found.push(at)
    }
    if (found.length > 1) {
      const text = this.#text(e.span)
      throw this.error(e.span, `Column ${text} is ambiguous: both sides of the join have it`, {
        value: text,
        hint: `Qualify it: ${scope.relations!.map((r) => `${r.qualifiers[r.qualifiers.length - 1]}.${e.name.name}`).join(' or ')}`,
      })
    }

    return found[0] ?? -1
  }

  #literal(type: string, value: string, span: Span, text: string): BoundExpr {
    const lit = (v: Value, t: DataType): BoundExpr => ({ kind: 'literal', value: v, type: t, text, span })
    switch (type) {
      case 'null':
        return lit(null, T.null)
      case 'boolean':
        return lit(value === 'true', T.boolean)
      case 'string':
        return lit(value, T.string)
      case 'integer': {
        const n = BigInt(value)
        if (n >= I32_MIN && n <= I32_MAX) return lit(Number(n), T.int32)
        if (n >= I64_MIN && n <= I64_MAX) return lit(n, T.int64)
        const d = Decimal.parse(value)
        if (d.precision() > 76) throw this.error(span, `The number ${value} has more than 76 digits`, { value })
        return lit(d, T.decimal(Math.max(38, d.precision()), 0))
      }
      case 'decimal': {
        const d = Decimal.parse(value)
        return lit(d, T.decimal(Math.max(d.precision(), d.scale), d.scale))
      }
      case 'float': {
        const n = Number(value)
        // A literal a double cannot hold is refused, as CAST('1e400' AS DOUBLE) is, rather than read as Infinity.
        if (!Number.isFinite(n)) {
          throw this.error(span, `The number ${value} is out of range for DOUBLE`, {
            value,
            expected: 'a number within ±1.7976931348623157e308',
            hint: 'Write it as a DECIMAL literal without an exponent if it must be exact',
          })
        }
        return lit(n, T.float64)
      }
      case 'date':
      case 'timestamp': {
        const t = type === 'date' ? T.date : T.timestamp('us')
        const v = this.#at(span, () => this.#library.typedLiteral(value, t))
        return lit(v, t)
      }
      default:
        throw this.error(span, `Unknown literal ${text}`)
    }
  }

  #case(e: Extract<Expr, { kind: 'case' }>, scope: Scope, text: string): BoundExpr {
    const operand = e.operand === undefined ? undefined : this.bind(e.operand, scope)
    const conditions = e.whens.map((w) => {
      const c = this.bind(w.condition, scope)
      if (operand === undefined) {
        this.requireBoolean(c, 'WHEN')
        return c
      }
      const eq = this.#at(w.condition.span, () =>
        this.#library.comparison('=', [operand.type, c.type], [literalOf(operand), literalOf(c)]),
      )
      return this.#call('=', eq, [operand, c], c.text, c.span)
    })
    const results = e.whens.map((w) => this.bind(w.result, scope))
    const otherwise = e.else === undefined ? undefined : this.bind(e.else, scope)
    const all = otherwise === undefined ? results : [...results, otherwise]
    let type: DataType = T.null
    for (const r of all) {
      const next = this.#library.commonType(type, r.type)
      if (next === undefined) {
        throw this.error(
          r.span,
          `CASE branches have different types: ${typeToString(type)} and ${typeToString(r.type)} (${r.text})`,
          {
            value: r.text,
            expected: typeToString(type),
            hint: 'CAST the branches to one type',
          },
        )
      }
      type = next
    }
    const widen = (r: BoundExpr): BoundExpr => {
      const convert = this.#library.coercer(r.type, type)
      return convert === undefined ? r : { kind: 'coerce', arg: r, convert, type, text: r.text, span: r.span }
    }
    const whens = conditions.map((condition, i) => ({ condition, result: widen(results[i]!) }))
    return otherwise === undefined
      ? { kind: 'case', whens, type, text, span: e.span }
      : { kind: 'case', whens, otherwise: widen(otherwise), type, text, span: e.span }
  }

  #functionCall(e: FunctionCall, scope: Scope, text: string): BoundExpr {
    const name = e.name.name.toUpperCase()
    if (e.over !== undefined) {
      if (scope.windows !== undefined) return scope.windows.over(e)
      throw this.error(e.span, `The window function ${name} is not allowed here`, {
        value: text,
        hint: 'Window functions (... OVER (...)) are computed after WHERE, GROUP BY and HAVING, so they belong in the select list only, and not inside another window function',
      })
    }
    if (WINDOW_FUNCTIONS.has(name)) {
      throw this.error(e.span, `${name} is a window function and needs OVER (...)`, {
        value: text,
        hint: `Write ${name}(${name === 'LAG' || name === 'LEAD' ? 'x' : ''}) OVER (PARTITION BY ... ORDER BY ...)`,
      })
    }
    if (AGGREGATE_FUNCTIONS.has(name)) {
      throw this.error(e.span, `The aggregate function ${name} is not allowed here`, {
        value: text,
        hint: 'Aggregates belong in the select list or HAVING, not in WHERE, GROUP BY or inside another aggregate',
      })
    }
    if (e.star || e.distinct || e.filter !== undefined) {
      throw this.error(
        e.span,
        `${name} is not an aggregate function, so ${e.star ? '*' : e.distinct ? 'DISTINCT' : 'FILTER'} is not allowed in it`,
      )
    }
    const fn = this.#library.lookupFunction(name)
    if (fn === undefined) {
      const names = [...this.#library.functionNames(), ...AGGREGATE_FUNCTIONS]
      const known = [...this.#library.functionNames()].sort()
      throw this.error(e.name.span, `Unknown function ${name}.${didYouMean(name, names)}`, {
        value: e.name.name,
        expected: `one of ${known.join(', ')}`,
        hint: `Functions available: ${known.join(', ')}`,
      })
    }
    const args = e.args.map((a) => this.bind(a, scope))
    const bound = this.#at(e.span, () =>
      fn.bind(
        args.map((a) => a.type),
        args.map(literalOf),
        this.#library.bindContext,
      ),
    )
    return this.#call(name, bound, args, text, e.span)
  }
}

/** The value of a constant argument, for binders that precompile (patterns, units); undefined otherwise. */
export function literalOf(e: BoundExpr): Value | undefined {
  return e.kind === 'literal' ? e.value : undefined
}
