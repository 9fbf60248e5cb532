import { NANOS_PER_DAY, T, type Value } from '@ferris/core'
import { argTypeError, bound, checkArity, isStringArg } from '../bind-support.js'
import { defineFunction } from '../define.js'
import type { BoundFunction } from '../function-definition.js'
import { compileFormat, type FormatInput, formatInput } from './strftime.js'
import { zoneNamed } from './zones.js'

const SIGNATURE = "DATE_FORMAT(x TIMESTAMP | DATE, pattern STRING) → STRING, e.g. DATE_FORMAT(ts, '%Y-%m-%d %H:%M:%S')"

/**
 * Writes a date or timestamp with a strftime-style pattern (see `strftime.ts` for the directives). A zoned
 * timestamp is written in its zone, a local one as it is. A constant pattern is compiled once.
 */
export const dateFormat = defineFunction({
  name: 'DATE_FORMAT',
  aliases: ['STRFTIME'],
  signature: SIGNATURE,
  bind(argTypes, literals): BoundFunction {
    checkArity('DATE_FORMAT', SIGNATURE, argTypes, 2)
    const t = argTypes[0]!
    if (!isStringArg(argTypes[1]!)) throw argTypeError('DATE_FORMAT', 1, argTypes[1]!, 'a pattern (STRING)', SIGNATURE)
    let input: (v: Value) => FormatInput
    if (t.kind === 'date') input = (v) => formatInput(BigInt(v as number) * NANOS_PER_DAY, undefined)
    else if (t.kind === 'timestamp') {
      const zone = t.timezone === undefined ? undefined : zoneNamed(t.timezone, 'DATE_FORMAT')
      input = (v) => formatInput(v as bigint, zone)
    } else if (t.kind === 'null') {
      input = () => formatInput(0n, undefined)
    } else {
      throw argTypeError('DATE_FORMAT', 0, t, 'a DATE or TIMESTAMP', SIGNATURE)
    }
    const pattern = literals[1]
    if (typeof pattern === 'string') {
      const format = compileFormat(pattern)

      return bound(T.string, (args) => format(input(args[0]!)))
    }
    let lastPattern: string | undefined
    let last = compileFormat('')

    return bound(T.string, (args) => {
      const p = args[1] as string
      if (p !== lastPattern) {
        last = compileFormat(p, 'FERRIS_EVALUATION')
        lastPattern = p
      }

      return last(input(args[0]!))
    })
  },
})
