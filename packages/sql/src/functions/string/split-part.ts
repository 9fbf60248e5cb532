import { FerrisError, T } from '@ferris/core'
import { bound, checkArgs, checkArity, isIntegerArg, isStringArg, toSafeInt } from '../bind-support.js'
import { defineFunction } from '../define.js'

const SIGNATURE = 'SPLIT_PART(s STRING, delimiter STRING, n INT) → STRING'

/**
 * Field `n` (1-based) of `s` split on `delimiter`; a negative `n` counts from the end, and a field past
 * either end is ''. As PostgreSQL: `n` = 0 is an error, and an empty delimiter makes the whole string the
 * only field.
 */
export const splitPart = defineFunction({
  name: 'SPLIT_PART',
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('SPLIT_PART', SIGNATURE, argTypes, 3)
    checkArgs('SPLIT_PART', SIGNATURE, argTypes, [
      [isStringArg, 'STRING'],
      [isStringArg, 'STRING'],
      [isIntegerArg, 'an integer (INT or BIGINT)'],
    ])

    return bound(T.string, (args) => {
      const s = args[0] as string
      const d = args[1] as string
      const n = toSafeInt(args[2]!)
      if (n === 0) {
        throw new FerrisError('FERRIS_EVALUATION', 'SPLIT_PART: field position must not be zero', {
          value: 0,
          expected: '1 for the first field, -1 for the last',
        })
      }
      const parts = d === '' ? (s === '' ? [] : [s]) : s === '' ? [] : s.split(d)
      const i = n > 0 ? n - 1 : parts.length + n

      return i >= 0 && i < parts.length ? parts[i]! : ''
    })
  },
})
