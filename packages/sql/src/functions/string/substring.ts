import { FerrisError, T } from '@ferris/core'
import { bound, checkArgs, checkArity, isIntegerArg, isStringArg, toSafeInt } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { codePointSlice } from './code-points.js'

const SIGNATURE = 'SUBSTRING(s STRING, start INT [, length INT]) → STRING'

/**
 * Characters from 1-based `start`, `length` of them, counted in code points. As in PostgreSQL, a start
 * before the first character still counts toward the length (SUBSTRING('hello', 0, 3) is 'he',
 * SUBSTRING('hello', -1, 3) is 'h') and a negative length is an error. The parser maps
 * `SUBSTRING(s FROM a FOR b)` to `SUBSTRING(s, a, b)`.
 */
export const substring = defineFunction({
  name: 'SUBSTRING',
  aliases: ['SUBSTR'],
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('SUBSTRING', SIGNATURE, argTypes, 2, 3)
    checkArgs('SUBSTRING', SIGNATURE, argTypes, [
      [isStringArg, 'STRING'],
      [isIntegerArg, 'an integer (INT or BIGINT)'],
    ])
    if (argTypes.length === 2) {
      return bound(T.string, (args) => codePointSlice(args[0] as string, toSafeInt(args[1]!) - 1))
    }

    return bound(T.string, (args) => {
      const start = toSafeInt(args[1]!)
      const len = toSafeInt(args[2]!)
      if (len < 0) {
        throw new FerrisError('FERRIS_EVALUATION', `SUBSTRING: negative length ${len} is not allowed`, {
          value: len,
          expected: 'a length of 0 or more',
        })
      }

      return codePointSlice(args[0] as string, start - 1, start - 1 + len)
    })
  },
})
