import { typeToString } from '@ferris/core'
import { bound, checkArity, semanticError } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { comparatorFor } from '../operators/compare-values.js'

const SIGNATURE = 'NULLIF(a, b) → the type of a'

/** NULL when a = b, otherwise a: NULLIF(x, 0) turns a zero divisor into NULL. NULLIF(NULL, b) is NULL, NULLIF(a, NULL) is a. */
export const nullif = defineFunction({
  name: 'NULLIF',
  signature: SIGNATURE,
  bind(argTypes, _literals, context) {
    checkArity('NULLIF', SIGNATURE, argTypes, 2)
    const a = argTypes[0]!
    const b = argTypes[1]!
    if (a.kind === 'null' || b.kind === 'null')
      return bound(a, (args) => args[0]!, { propagatesNull: false, nullable: true })
    const cmp = comparatorFor(a, b, context?.timeZone)
    if (cmp === undefined) {
      throw semanticError(`NULLIF: cannot compare ${typeToString(a)} with ${typeToString(b)}`, {
        value: `${typeToString(a)}, ${typeToString(b)}`,
        hint: 'CAST the second argument to the type of the first',
      })
    }

    return bound(
      a,
      (args) => {
        const x = args[0]!
        const y = args[1]!
        if (x === null) return null
        if (y === null) return x

        return cmp(x, y) === 0 ? null : x
      },
      { propagatesNull: false, nullable: true },
    )
  },
})
