import { type DataType, typeToString, type Value } from '@ferris/core'
import { bound, checkArity, semanticError } from '../bind-support.js'
import { defineFunction } from '../define.js'
import type { ScalarFunction } from '../function-definition.js'
import { comparatorOf } from '../operators/compare-values.js'
import { unify } from './unify.js'

/**
 * GREATEST/LEAST: the largest/smallest argument in their common type, ignoring NULLs as PostgreSQL does
 * (NULL only when all are NULL). Doubles order NaN above every number, as PostgreSQL.
 */
function extremum(name: 'GREATEST' | 'LEAST'): ScalarFunction {
  const signature = `${name}(value, ...) → the common type of the values`
  const sign = name === 'GREATEST' ? 1 : -1

  return defineFunction({
    name,
    signature,
    bind(argTypes: readonly DataType[]) {
      checkArity(name, signature, argTypes, 1, Number.POSITIVE_INFINITY)
      const { type, coerce } = unify(name, argTypes)
      const cmp = type.kind === 'null' ? () => 0 : comparatorOf(type)
      if (cmp === undefined) {
        throw semanticError(`${name}: values of type ${typeToString(type)} have no order`, {
          value: typeToString(type),
        })
      }
      const n = argTypes.length

      return bound(
        type,
        (args: readonly Value[]) => {
          let best: Value = null
          for (let i = 0; i < n; i++) {
            const raw = args[i]!
            if (raw === null) continue
            const c = coerce[i]
            const v: Value = c === undefined ? raw : c(raw)
            if (best === null || sign * cmp(v, best) > 0) best = v
          }

          return best
        },
        { propagatesNull: false },
      )
    },
  })
}

export const greatest = extremum('GREATEST')
export const least = extremum('LEAST')
