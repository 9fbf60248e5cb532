import { FerrisError, T } from '@ferris/core'
import { bound, checkArity } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { overflowError } from '../numeric/integers.js'
import { doubleReader } from './to-double.js'

const SIGNATURE = 'POWER(x NUMBER, y NUMBER) → DOUBLE'

/** x raised to y, in double precision, with PostgreSQL's errors for the undefined cases. */
export const power = defineFunction({
  name: 'POWER',
  aliases: ['POW'],
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('POWER', SIGNATURE, argTypes, 2)
    const rx = doubleReader('POWER', 0, argTypes[0]!, SIGNATURE)
    const ry = doubleReader('POWER', 1, argTypes[1]!, SIGNATURE)

    return bound(T.float64, (args) => {
      const x = rx(args[0]!)
      const y = ry(args[1]!)
      if (x === 0 && y < 0) {
        throw new FerrisError('FERRIS_EVALUATION', `POWER(${x}, ${y}): zero raised to a negative power is undefined`, {
          value: `${x}, ${y}`,
        })
      }
      if (x < 0 && !Number.isInteger(y) && Number.isFinite(y)) {
        throw new FerrisError(
          'FERRIS_EVALUATION',
          `POWER(${x}, ${y}): a negative number raised to a non-integer power is not a real number`,
          {
            value: `${x}, ${y}`,
          },
        )
      }
      const r = x ** y
      if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y))
        throw overflowError(`POWER(${x}, ${y})`, 'DOUBLE')

      return r
    })
  },
})
