import { FerrisError, T } from '@ferris/core'
import { bound, checkArity } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { doubleReader } from './to-double.js'

const SIGNATURE = 'SQRT(x NUMBER) → DOUBLE'

/** Square root; a negative argument is an error (as PostgreSQL), not NaN. */
export const sqrt = defineFunction({
  name: 'SQRT',
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('SQRT', SIGNATURE, argTypes, 1)
    const read = doubleReader('SQRT', 0, argTypes[0]!, SIGNATURE)

    return bound(T.float64, (args) => {
      const x = read(args[0]!)
      if (x < 0) {
        throw new FerrisError('FERRIS_EVALUATION', `SQRT(${x}): cannot take the square root of a negative number`, {
          value: x,
          expected: 'a number of 0 or more',
          hint: 'use SQRT(ABS(x)) or guard with CASE WHEN x >= 0',
        })
      }

      return Math.sqrt(x)
    })
  },
})
