import { type DataType, T, typeToString } from '@ferris/core'
import { bound, semanticError } from '../bind-support.js'
import type { BoundFunction } from '../function-definition.js'
import { comparatorFor } from './compare-values.js'

/**
 * `a IS [NOT] DISTINCT FROM b`: equality where NULL is an ordinary value (two NULLs are not distinct).
 * Never NULL itself, so it does not propagate NULL.
 */
export function bindIsDistinctFrom(argTypes: readonly DataType[], negated = false): BoundFunction {
  if (argTypes.length !== 2) throw semanticError(`IS DISTINCT FROM takes 2 operands, but ${argTypes.length} were given`)
  const l = argTypes[0]!
  const r = argTypes[1]!
  if (l.kind === 'null' || r.kind === 'null') {
    return bound(T.boolean, negated ? (args) => args[0] === args[1] : (args) => args[0] !== args[1], {
      propagatesNull: false,
    })
  }
  const cmp = comparatorFor(l, r)
  if (cmp === undefined) {
    throw semanticError(
      `Cannot compare ${typeToString(l)} with ${typeToString(r)} in IS ${negated ? 'NOT ' : ''}DISTINCT FROM`,
      {
        value: `${typeToString(l)}, ${typeToString(r)}`,
        hint: 'CAST one side to the type of the other',
      },
    )
  }
  const distinct = (a: unknown, b: unknown): boolean => {
    if (a === null || b === null) return a !== b

    return cmp(a as never, b as never) !== 0
  }

  return bound(T.boolean, negated ? (args) => !distinct(args[0], args[1]) : (args) => distinct(args[0], args[1]), {
    propagatesNull: false,
  })
}
