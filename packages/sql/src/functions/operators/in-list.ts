import { type DataType, isDecimal, T, typeToString, type Value } from '@ferris/core'
import { bound, semanticError } from '../bind-support.js'
import type { BoundFunction } from '../function-definition.js'
import { type Comparator, comparatorFor } from './compare-values.js'
import { literalAs } from './literal-coercion.js'

/** Kinds whose values are primitives that a `Set` matches by value (bigints included). */
const HASHABLE = new Set(['int32', 'int64', 'string', 'boolean', 'date', 'time', 'timestamp'])

/**
 * `x [NOT] IN (v1, v2, ...)`. `argTypes[0]` is x, the rest the list. SQL's NULL rules: NULL when x is NULL,
 * TRUE when some item equals x, otherwise NULL when an item is NULL (`2 IN (1, NULL)` is NULL, not FALSE),
 * else FALSE. NOT IN negates that (so `2 NOT IN (1, NULL)` is NULL too). A list of constants is matched
 * with a hash set built once here.
 */
export function bindInList(
  argTypes: readonly DataType[],
  literals: readonly (Value | undefined)[] = [],
  negated = false,
): BoundFunction {
  if (argTypes.length < 2) throw semanticError('IN needs a value and a list of at least one item')
  const x = argTypes[0]!
  const n = argTypes.length - 1
  const comparators: Array<Comparator | undefined> = []
  const constants: Array<Value | undefined> = []
  // Whether every item has x's own representation (or an integer one for an integer x), so that a hash set
  // of the constants finds x by value; a DATE item for a TIMESTAMP x, say, takes the comparator path.
  let hashable = HASHABLE.has(x.kind)
  for (let i = 1; i <= n; i++) {
    const t = argTypes[i]!
    const lit = literals[i]
    if (x.kind === 'null' || t.kind === 'null') {
      comparators.push(undefined)
      constants.push(t.kind === 'null' ? null : lit)
      continue
    }
    if (t.kind === 'string' && x.kind !== 'string' && typeof lit === 'string') {
      const c = literalAs(lit, x, 'IN')
      if (c !== undefined) {
        comparators.push(comparatorFor(x, x))
        constants.push(c)
        continue
      }
    }
    const cmp = comparatorFor(x, t)
    if (cmp === undefined) {
      throw semanticError(
        `IN: item ${i} has type ${typeToString(t)}, which cannot be compared with ${typeToString(x)}`,
        {
          value: typeToString(t),
          expected: `values comparable with ${typeToString(x)}`,
          hint: 'CAST the items or the tested value so that they share a type',
        },
      )
    }
    comparators.push(cmp)
    constants.push(lit === undefined ? undefined : lit)
    if (!sameFamily(x, t)) hashable = false
  }
  const allConstant = constants.every((c) => c !== undefined)
  let test: (args: readonly Value[]) => boolean | null
  if (allConstant && hashable) {
    const set = new Set<Value>()
    let hasNull = false
    for (const c of constants) {
      if (c === null) hasNull = true
      else {
        const v = sameRepresentation(x, c as Value)
        if (v !== undefined) set.add(v)
      }
    }
    test = (args) => {
      const v = args[0]!
      if (v === null) return null
      if (set.has(v)) return true

      return hasNull ? null : false
    }
  } else {
    test = (args) => {
      const v = args[0]!
      if (v === null) return null
      let unknown = false
      for (let i = 0; i < n; i++) {
        const c = constants[i]
        const item = c !== undefined ? c : args[i + 1]!
        if (item === null) {
          unknown = true
          continue
        }
        if (comparators[i]!(v, item) === 0) return true
      }

      return unknown ? null : false
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

const INTEGER_OR_DECIMAL = new Set(['int32', 'int64', 'decimal', 'float64'])

function sameFamily(x: DataType, t: DataType): boolean {
  if (x.kind === 'int32' || x.kind === 'int64') return INTEGER_OR_DECIMAL.has(t.kind)
  if (x.kind === 'timestamp') return t.kind === 'timestamp' && (x.timezone === undefined) === (t.timezone === undefined)

  return x.kind === t.kind
}

/**
 * A constant item as a value of x's own representation, so that `Set.has(x)` finds it: an INT item for a
 * BIGINT column becomes a bigint, a whole BIGINT item for an INT column a number. Undefined when it can
 * never equal a value of x's type (3.5 for an integer column).
 */
function sameRepresentation(x: DataType, c: Value): Value | undefined {
  if (x.kind === 'int64') {
    if (typeof c === 'number') return Number.isInteger(c) ? BigInt(c) : undefined
    if (typeof c === 'bigint') return c
    if (isDecimal(c)) return c.fitsScale(0) ? c.rescale(0).unscaled : undefined
  }
  if (x.kind === 'int32') {
    if (typeof c === 'bigint') return c >= -2147483648n && c <= 2147483647n ? Number(c) : undefined
    if (typeof c === 'number') return Number.isInteger(c) ? c : undefined
    if (isDecimal(c)) {
      const u = c.fitsScale(0) ? c.rescale(0).unscaled : undefined

      return u !== undefined && u >= -2147483648n && u <= 2147483647n ? Number(u) : undefined
    }
  }
  return c
}
