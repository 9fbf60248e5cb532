import { T } from '@ferris/core'
import { argTypeError, bound, checkArity } from '../bind-support.js'
import { defineFunction } from '../define.js'
import type { BoundFunction } from '../function-definition.js'
import { secondsReader, textToNanos } from './epoch-seconds.js'

const SIGNATURE =
  'TO_TIMESTAMP(text STRING [, pattern STRING]) → TIMESTAMP(9); TO_TIMESTAMP(seconds NUMBER) → TIMESTAMP(6) WITH TIME ZONE'

/**
 * Reads text as a timestamp: ISO 8601 without a pattern ('2024-03-09 14:05:07.5', '2024-03-09T14:05:07Z'),
 * else a strftime-style pattern ('%d/%m/%Y %H:%M'). The result is a local TIMESTAMP(9) holding every digit
 * given; text with an offset ('Z', '+01:00', `%z`) is converted to UTC. Text that does not fit is a
 * FERRIS_TYPE_CONVERSION error naming the text and the pattern. With a number, it is FROM_UNIXTIME.
 */
export const toTimestamp = defineFunction({
  name: 'TO_TIMESTAMP',
  signature: SIGNATURE,
  bind(argTypes, literals, context): BoundFunction {
    checkArity('TO_TIMESTAMP', SIGNATURE, argTypes, 1, 2)
    const t = argTypes[0]!
    if (t.kind === 'string' || t.kind === 'null') {
      const parse = textToNanos('TO_TIMESTAMP', argTypes, literals)

      return bound(T.timestamp('ns'), (args) => parse(args[0] as string, args[1] as string | undefined))
    }
    if (argTypes.length === 2) throw argTypeError('TO_TIMESTAMP', 0, t, 'STRING when a pattern is given', SIGNATURE)
    const read = secondsReader('TO_TIMESTAMP', 0, t, SIGNATURE)
    const zone = context?.timeZone ?? 'UTC'

    return bound(T.timestamp(t.kind === 'decimal' && t.scale > 6 ? 'ns' : 'us', zone), (args) => read(args[0]!))
  },
})
