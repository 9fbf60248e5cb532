import {
  type DataType,
  Decimal,
  formatValue,
  Interval,
  isFerrisError,
  isValueOf,
  parseValue,
  T,
  typeToString,
  type Value,
} from '@ferris/core'
import { expect } from 'vitest'
import { type BoundFunction, defaultFunctions, type EvalContext } from '../../src/functions/index.js'

/** A typed argument: what the planner would hand a binder (type) and the engine an evaluator (value). */
export interface Arg {
  readonly type: DataType
  readonly value: Value
  /** Always passed as a constant (a unit name, an ESCAPE): SQL only allows it written in the query. */
  readonly constant?: boolean
}

/** An argument SQL requires to be a constant, such as EXTRACT's field or DATEDIFF's unit. */
export const constant = (a: Arg): Arg => ({ ...a, constant: true })

/** How an argument reads in a test title: `INT 1`, `STRING 'a'`, `NULL`. */
export function label(a: Arg): string {
  if (a.value === null) return a.type.kind === 'null' ? 'NULL' : `NULL::${typeToString(a.type)}`
  const text = show(a.value, a.type)

  return `${typeToString(a.type)} ${a.type.kind === 'string' ? `'${text}'` : text}`
}

/** Rows of a table-driven test with a readable title for each: `[title, ...row]`. */
export function titled<R extends readonly unknown[]>(
  rows: readonly R[],
  title: (row: R) => string,
): Array<[string, ...R]> {
  return rows.map((r) => [title(r), ...r] as [string, ...R])
}

export const NULL: Arg = { type: T.null, value: null }
export const int = (n: number): Arg => ({ type: T.int32, value: n })
export const big = (n: bigint | number | string): Arg => ({ type: T.int64, value: BigInt(n) })
export const dbl = (n: number): Arg => ({ type: T.float64, value: n })
export const str = (s: string): Arg => ({ type: T.string, value: s })
export const bool = (b: boolean): Arg => ({ type: T.boolean, value: b })
export const bytes = (b: Uint8Array): Arg => ({ type: T.bytes, value: b })
/** A decimal typed by its own digits: dec('12.50') is DECIMAL(4, 2). */
export const dec = (text: string, precision?: number, scale?: number): Arg => {
  const d = Decimal.parse(text)
  const s = scale ?? d.scale
  const p = precision ?? Math.max(d.rescale(s).precision(), s + 1)

  return { type: T.decimal(p, s), value: d.rescale(s) }
}
export const date = (text: string): Arg => ({ type: T.date, value: parseValue(text, T.date) })
export const time = (text: string): Arg => ({ type: T.time('ns'), value: parseValue(text, T.time('ns')) })
/** A local TIMESTAMP(6) (or the given unit). */
export const ts = (text: string, unit: 'ms' | 'us' | 'ns' = 'us'): Arg => ({
  type: T.timestamp(unit),
  value: parseValue(text, T.timestamp('ns')),
})
/** A zoned timestamp: text without an offset is read in `zone`. */
export const tstz = (text: string, zone: string, unit: 'ms' | 'us' | 'ns' = 'us'): Arg => ({
  type: T.timestamp(unit, zone),
  value: parseValue(text, T.timestamp('ns', zone), { lossy: true, disambiguation: 'later' }),
})
export const interval = (months: number, days: number, nanos: bigint | number = 0n): Arg => ({
  type: T.interval,
  value: new Interval(months, days, BigInt(nanos)),
})
/** A NULL of a given type (a NULL read from a typed column). */
export const nullOf = (type: DataType): Arg => ({ type, value: null })

export const CONTEXT: EvalContext = {
  queryStartNanos: 1_717_243_200_123_456_789n, // 2024-06-01T12:00:00.123456789Z
  timeZone: 'UTC',
}

/**
 * Runs a bound function as the engine does: SQL's NULL rule first (unless the function opts out), then
 * `evaluate`. Every non-NULL result must have the representation its bound type promises.
 */
export function run(fn: BoundFunction, args: readonly Value[], context: EvalContext = CONTEXT): Value {
  if (fn.propagatesNull !== false && args.some((a) => a === null)) return null
  const out = fn.evaluate(args, context)
  if (!isValueOf(out, fn.type)) {
    throw new Error(`result ${String(out)} does not have the representation of ${typeToString(fn.type)}`)
  }

  return out
}

/** A value as text for expectations: core's canonical text, NULL as `NULL`. */
export function show(v: Value, type: DataType): string {
  if (v === null) return 'NULL'
  if (type.kind === 'null') return String(v)

  return formatValue(v, type)
}

export type Binder = (types: readonly DataType[], literals: readonly (Value | undefined)[]) => BoundFunction

/**
 * Binds and runs twice, once with every argument a constant (the planner passes literal values) and once
 * with none (values from columns), and checks that both agree. Returns the constant run's result as text
 * (what PostgreSQL prints for the same literal expression), or `error CODE: message` when it throws.
 */
export function evalWith(
  binder: Binder,
  args: readonly Arg[],
  context: EvalContext = CONTEXT,
): { text: string; type: DataType } {
  const types = args.map((a) => a.type)
  const values = args.map((a) => a.value)
  const asColumns = capture(() => {
    const fn = binder(
      types,
      args.map((a) => (a.constant === true ? a.value : undefined)),
    )

    return { text: show(run(fn, values, context), fn.type), type: fn.type }
  })
  const asLiterals = capture(() => {
    const fn = binder(types, values)

    return { text: show(run(fn, values, context), fn.type), type: fn.type }
  })
  // A constant can narrow a result type (ROUND(x, 2) keeps two digits); the value must still be the same.
  if (!sameNumber(asLiterals.text, asColumns.text)) {
    expect(asLiterals.text, 'constant and column arguments give the same result').toBe(asColumns.text)
  }

  return asLiterals
}

/** Binds with every argument a constant (as the planner does for literals) and runs once. */
export function evalLiterals(binder: Binder, args: readonly Arg[], context: EvalContext = CONTEXT): string {
  return capture(() => {
    const fn = binder(
      args.map((a) => a.type),
      args.map((a) => a.value),
    )

    return {
      text: show(
        run(
          fn,
          args.map((a) => a.value),
          context,
        ),
        fn.type,
      ),
      type: fn.type,
    }
  }).text
}

function sameNumber(a: string, b: string): boolean {
  const number = /^-?\d+(\.\d+)?$/

  return number.test(a) && number.test(b) && Decimal.parse(a).equals(Decimal.parse(b))
}

function capture(f: () => { text: string; type: DataType }): { text: string; type: DataType } {
  try {
    return f()
  } catch (error) {
    if (isFerrisError(error)) return { text: `error ${error.code}: ${error.message}`, type: T.null }
    throw error
  }
}

const registry = defaultFunctions()

/** Calls a registered function by name. */
export function call(name: string, ...args: Arg[]): string {
  const fn = registry.resolve(name)

  return evalWith((t, l) => fn.bind(t, l), args).text
}

/** The result type of a call with constant arguments, as SQL spells it. */
export function typeOf(name: string, ...args: Arg[]): string {
  const fn = registry.resolve(name)

  return typeToString(
    fn.bind(
      args.map((a) => a.type),
      args.map((a) => a.value),
    ).type,
  )
}

/** The error a bind raises (the planner's check), as `CODE: message`. */
export function bindError(f: () => unknown): string {
  try {
    f()
  } catch (error) {
    if (isFerrisError(error)) return `${error.code}: ${error.message}`
    throw error
  }

  return 'no error'
}
