import { type DataType, T, typeToString, type Value } from '@ferris/core'
import { bound, semanticError } from '../bind-support.js'
import type { BoundFunction } from '../function-definition.js'
import { comparatorFor } from './compare-values.js'
import { literalAs } from './literal-coercion.js'

export interface BetweenOptions {
  /** `NOT BETWEEN` */
  readonly negated?: boolean
  /** `BETWEEN SYMMETRIC`: the bounds may come in either order. */
  readonly symmetric?: boolean
}

/**
 * `x [NOT] BETWEEN [SYMMETRIC] lo AND hi`, which SQL defines as `x >= lo AND x <= hi` with three-valued
 * logic: a NULL bound gives NULL only when the other bound does not already decide the answer
 * (`5 BETWEEN NULL AND 3` is FALSE).
 */
export function bindBetween(
  argTypes: readonly DataType[],
  literals: readonly (Value | undefined)[] = [],
  options: BetweenOptions = {},
): BoundFunction {
  if (argTypes.length !== 3) throw semanticError(`BETWEEN takes 3 operands, but ${argTypes.length} were given`)
  const x = argTypes[0]!
  const negated = options.negated === true
  const lower = operand(x, argTypes[1]!, literals[1], 'BETWEEN')
  const upper = operand(x, argTypes[2]!, literals[2], 'BETWEEN')
  const cmpLo = lower.cmp
  const cmpHi = upper.cmp
  const lo = (args: readonly Value[]): Value => (lower.constant !== undefined ? lower.constant : args[1]!)
  const hi = (args: readonly Value[]): Value => (upper.constant !== undefined ? upper.constant : args[2]!)
  let test: (args: readonly Value[]) => boolean | null
  if (options.symmetric === true) {
    test = (args) => {
      const v = args[0]!
      if (v === null) return null
      const a = and3(ge(cmpLo, v, lo(args)), le(cmpHi, v, hi(args)))
      const b = and3(le(cmpLo, v, lo(args)), ge(cmpHi, v, hi(args)))

      return or3(a, b)
    }
  } else {
    test = (args) => {
      const v = args[0]!
      if (v === null) return null

      return and3(ge(cmpLo, v, lo(args)), le(cmpHi, v, hi(args)))
    }
  }
  const evaluate = negated
    ? (args: readonly Value[]) => {
        const r = test(args)

        return r === null ? null : !r
      }
    : test

  return bound(T.boolean, evaluate, { propagatesNull: false, nullable: true })
}

type Cmp = ((a: Value, b: Value) => number) | undefined

function ge(cmp: Cmp, v: Value, bound: Value): boolean | null {
  return bound === null || cmp === undefined ? null : cmp(v, bound) >= 0
}
function le(cmp: Cmp, v: Value, bound: Value): boolean | null {
  return bound === null || cmp === undefined ? null : cmp(v, bound) <= 0
}
function and3(a: boolean | null, b: boolean | null): boolean | null {
  if (a === false || b === false) return false

  return a === null || b === null ? null : true
}
function or3(a: boolean | null, b: boolean | null): boolean | null {
  if (a === true || b === true) return true

  return a === null || b === null ? null : false
}

function operand(x: DataType, t: DataType, literal: Value | undefined, where: string): { cmp: Cmp; constant?: Value } {
  if (x.kind === 'null' || t.kind === 'null') return { cmp: undefined }
  if (t.kind === 'string' && x.kind !== 'string' && typeof literal === 'string') {
    const constant = literalAs(literal, x, where)
    if (constant !== undefined) return { cmp: comparatorFor(x, x), constant }
  }
  const cmp = comparatorFor(x, t)
  if (cmp === undefined) {
    throw semanticError(`Cannot compare ${typeToString(x)} with ${typeToString(t)} in ${where}`, {
      value: `${typeToString(x)}, ${typeToString(t)}`,
      hint: 'CAST the bound to the type of the tested value',
    })
  }

  return { cmp }
}
