import { type DataType, FerrisError, typeToString, type Value } from '@ferris/core'
import type { BoundFunction, EvalContext } from './function-definition.js'

/**
 * Small helpers every binder uses, so that arity and type errors read the same across all functions:
 * what was called, which argument, the type seen, and what is accepted.
 */

export type Evaluate = (args: readonly Value[], context: EvalContext) => Value

/** A bound function with SQL's default NULL rule (any NULL argument gives NULL without a call). */
export function bound(
  type: DataType,
  evaluate: Evaluate,
  options: Partial<Omit<BoundFunction, 'type' | 'evaluate'>> = {},
): BoundFunction {
  return { type, evaluate, propagatesNull: true, nullable: false, ...options }
}

export function semanticError(
  message: string,
  options: { value?: unknown; expected?: string; hint?: string } = {},
): FerrisError {
  return new FerrisError('FERRIS_SQL_SEMANTIC', message, options)
}

/** Throws unless `min <= argTypes.length <= max`. */
export function checkArity(
  name: string,
  signature: string,
  argTypes: readonly DataType[],
  min: number,
  max = min,
): void {
  const n = argTypes.length
  if (n >= min && n <= max) return
  const wanted = min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`
  throw semanticError(
    `${name} takes ${wanted} argument${min === 1 && max === 1 ? '' : 's'}, but ${n} ${n === 1 ? 'was' : 'were'} given`,
    { value: n, expected: signature, hint: `call it as ${signature}` },
  )
}

/** An error for argument `index` (0-based) of a function whose type is not accepted. */
export function argTypeError(
  name: string,
  index: number,
  type: DataType,
  expected: string,
  signature?: string,
): FerrisError {
  return semanticError(`${name}: argument ${index + 1} has type ${typeToString(type)}, but ${expected} is required`, {
    value: typeToString(type),
    expected,
    hint:
      signature === undefined
        ? `CAST the argument to ${expected}`
        : `call it as ${signature}, casting the argument with CAST(x AS ...) if needed`,
  })
}

/** Argument `index` must be a constant: returns its value (not NULL). */
export function requireLiteral(
  name: string,
  index: number,
  literals: readonly (Value | undefined)[],
  what: string,
): Value {
  const v = literals[index]
  if (v === undefined) {
    throw semanticError(`${name}: argument ${index + 1} (${what}) must be a constant, not an expression or column`, {
      expected: `a literal ${what}`,
      hint: `write the ${what} in the query text, e.g. '...'`,
    })
  }

  return v
}

/** A constant string argument (unit names, patterns, JSON paths). */
export function requireStringLiteral(
  name: string,
  index: number,
  literals: readonly (Value | undefined)[],
  what: string,
): string {
  const v = requireLiteral(name, index, literals, what)
  if (typeof v !== 'string') {
    throw semanticError(`${name}: argument ${index + 1} (${what}) must be a string literal, got ${String(v)}`, {
      value: v,
      expected: `a string literal ${what}`,
    })
  }
  return v
}

export const isNullType = (t: DataType): boolean => t.kind === 'null'
export const isStringArg = (t: DataType): boolean => t.kind === 'string' || t.kind === 'null'
export const isIntegerArg = (t: DataType): boolean => t.kind === 'int32' || t.kind === 'int64' || t.kind === 'null'
export const isNumericArg = (t: DataType): boolean =>
  t.kind === 'int32' || t.kind === 'int64' || t.kind === 'float64' || t.kind === 'decimal' || t.kind === 'null'
export const isTimestampArg = (t: DataType): boolean => t.kind === 'timestamp' || t.kind === 'null'

/** Checks each argument with `accepts`, naming the first that fails. */
export function checkArgs(
  name: string,
  signature: string,
  argTypes: readonly DataType[],
  rules: ReadonlyArray<readonly [accepts: (t: DataType) => boolean, expected: string]>,
): void {
  for (let i = 0; i < argTypes.length; i++) {
    const rule = rules[Math.min(i, rules.length - 1)]
    if (rule === undefined) continue
    const t = argTypes[i]!
    if (!rule[0](t)) throw argTypeError(name, i, t, rule[1], signature)
  }
}

/** Reads an integer argument value (int32 number or int64 bigint) as a JS number, clamped to a safe range. */
export function toSafeInt(v: Value): number {
  if (typeof v === 'number') return v
  const b = v as bigint
  if (b > 9_007_199_254_740_991n) return Number.MAX_SAFE_INTEGER
  if (b < -9_007_199_254_740_991n) return Number.MIN_SAFE_INTEGER

  return Number(b)
}
