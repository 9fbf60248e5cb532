import { Decimal, T } from '@ferris/core'
import { argTypeError, bound, checkArity } from '../bind-support.js'
import { defineFunction } from '../define.js'

const SIGNATURE = 'SIGN(x NUMBER) → -1, 0 or 1 in the type of x'

const MINUS = new Decimal(-1n, 0)
const ZERO = new Decimal(0n, 0)
const PLUS = new Decimal(1n, 0)

/** -1, 0 or 1 by the sign of x; for a DOUBLE NaN stays NaN, as PostgreSQL. */
export const sign = defineFunction({
  name: 'SIGN',
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('SIGN', SIGNATURE, argTypes, 1)
    const t = argTypes[0]!
    switch (t.kind) {
      case 'null':
        return bound(T.int32, () => null)
      case 'int32':
        return bound(t, (args) => Math.sign(args[0] as number) + 0)
      case 'int64':
        return bound(t, (args) => ((args[0] as bigint) < 0n ? -1n : (args[0] as bigint) > 0n ? 1n : 0n))
      case 'float64':
        return bound(t, (args) => Math.sign(args[0] as number) + 0)
      case 'decimal':
        return bound(T.decimal(1, 0), (args) => {
          const s = (args[0] as Decimal).sign()

          return s < 0 ? MINUS : s > 0 ? PLUS : ZERO
        })
      default:
        throw argTypeError('SIGN', 0, t, 'a number (INT, BIGINT, DECIMAL or DOUBLE)', SIGNATURE)
    }
  },
})
