import { type Decimal, T } from '@ferris/core'
import { argTypeError, bound, checkArity } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { INT32_MIN, INT64_MIN, overflowError } from '../numeric/integers.js'

const SIGNATURE = 'ABS(x NUMBER) → the type of x'

/** Absolute value; ABS of the smallest INT or BIGINT overflows, as in PostgreSQL. */
export const abs = defineFunction({
  name: 'ABS',
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('ABS', SIGNATURE, argTypes, 1)
    const t = argTypes[0]!
    switch (t.kind) {
      case 'null':
        return bound(T.int32, () => null)
      case 'int32':
        return bound(t, (args) => {
          const a = args[0] as number
          if (a === INT32_MIN) throw overflowError(`ABS(${a})`, 'INT')

          return a < 0 ? -a : a
        })
      case 'int64':
        return bound(t, (args) => {
          const a = args[0] as bigint
          if (a === INT64_MIN) throw overflowError(`ABS(${a})`, 'BIGINT')

          return a < 0n ? -a : a
        })
      case 'float64':
        return bound(t, (args) => Math.abs(args[0] as number))
      case 'decimal':
        return bound(t, (args) => (args[0] as Decimal).abs())
      default:
        throw argTypeError('ABS', 0, t, 'a number (INT, BIGINT, DECIMAL or DOUBLE)', SIGNATURE)
    }
  },
})
