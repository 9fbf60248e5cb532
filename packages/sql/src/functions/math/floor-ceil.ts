import { type DataType, type Decimal, T } from '@ferris/core'
import { argTypeError, bound, checkArity } from '../bind-support.js'
import { defineFunction } from '../define.js'
import type { ScalarFunction } from '../function-definition.js'

/**
 * FLOOR and CEIL: integers pass through; a DOUBLE stays a DOUBLE; a DECIMAL(p, s) becomes DECIMAL(p - s + 1, 0)
 * (one more digit for the carry: CEIL(9.5) = 10), exactly.
 */
function floorCeil(name: 'FLOOR' | 'CEIL', aliases: readonly string[]): ScalarFunction {
  const signature = `${name}(x NUMBER) → the type of x (DECIMAL(p, s) → DECIMAL(p - s + 1, 0))`
  const mode = name === 'FLOOR' ? 'floor' : 'ceiling'
  const f = name === 'FLOOR' ? Math.floor : Math.ceil

  return defineFunction({
    name,
    aliases,
    signature,
    bind(argTypes: readonly DataType[]) {
      checkArity(name, signature, argTypes, 1)
      const t = argTypes[0]!
      switch (t.kind) {
        case 'null':
          return bound(T.int32, () => null)
        case 'int32':
        case 'int64':
          return bound(t, (args) => args[0]!)
        case 'float64':
          // CEIL(-0.5) is -0, as in PostgreSQL.
          return bound(t, (args) => f(args[0] as number))
        case 'decimal':
          return bound(T.decimal(Math.max(1, t.precision - t.scale + 1), 0), (args) =>
            (args[0] as Decimal).rescale(0, mode),
          )
        default:
          throw argTypeError(name, 0, t, 'a number (INT, BIGINT, DECIMAL or DOUBLE)', signature)
      }
    },
  })
}

export const floor = floorCeil('FLOOR', [])
export const ceil = floorCeil('CEIL', ['CEILING'])
