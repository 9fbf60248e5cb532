import { FerrisError, T } from '@ferris/core'
import { bound, checkArity } from '../bind-support.js'
import { defineFunction } from '../define.js'
import type { ScalarFunction } from '../function-definition.js'
import { overflowError } from '../numeric/integers.js'
import { doubleReader } from './to-double.js'

function logFunction(name: 'LN' | 'LOG10', aliases: readonly string[], f: (x: number) => number): ScalarFunction {
  const signature = `${name}(x NUMBER) → DOUBLE`

  return defineFunction({
    name,
    aliases,
    signature,
    bind(argTypes) {
      checkArity(name, signature, argTypes, 1)
      const read = doubleReader(name, 0, argTypes[0]!, signature)

      return bound(T.float64, (args) => {
        const x = read(args[0]!)
        if (x <= 0) {
          throw new FerrisError(
            'FERRIS_EVALUATION',
            `${name}(${x}): cannot take the logarithm of ${x === 0 ? 'zero' : 'a negative number'}`,
            {
              value: x,
              expected: 'a number greater than 0',
            },
          )
        }

        return f(x)
      })
    },
  })
}

/** Natural logarithm; zero or a negative argument is an error, as PostgreSQL. */
export const ln = logFunction('LN', [], Math.log)
/** Base-10 logarithm; LOG(x) with one argument is the same, as PostgreSQL. */
export const log10 = logFunction('LOG10', ['LOG'], Math.log10)

const EXP_SIGNATURE = 'EXP(x NUMBER) → DOUBLE'

/** e raised to x; a result too large for a double is an overflow error. */
export const exp = defineFunction({
  name: 'EXP',
  signature: EXP_SIGNATURE,
  bind(argTypes) {
    checkArity('EXP', EXP_SIGNATURE, argTypes, 1)
    const read = doubleReader('EXP', 0, argTypes[0]!, EXP_SIGNATURE)

    return bound(T.float64, (args) => {
      const x = read(args[0]!)
      const r = Math.exp(x)
      if (r === Number.POSITIVE_INFINITY && Number.isFinite(x)) throw overflowError(`EXP(${x})`, 'DOUBLE')

      return r
    })
  },
})
