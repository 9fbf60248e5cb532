import { argTypeError, checkArity, isNumericArg } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { bindArithmetic } from '../operators/arithmetic.js'

const SIGNATURE = 'MOD(x NUMBER, y NUMBER) → the wider type of x and y'

/** The remainder of x / y with the sign of x, as the `%` operator: MOD(-7, 3) = -1; MOD(x, 0) is an error. */
export const mod = defineFunction({
  name: 'MOD',
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('MOD', SIGNATURE, argTypes, 2)
    argTypes.forEach((t, i) => {
      if (!isNumericArg(t)) throw argTypeError('MOD', i, t, 'a number (INT, BIGINT, DECIMAL or DOUBLE)', SIGNATURE)
    })

    return bindArithmetic('%', argTypes)
  },
})
