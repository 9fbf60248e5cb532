import { type DataType, FerrisError, T } from '@ferris/core'
import { bound, checkArgs, checkArity, isIntegerArg, isStringArg, toSafeInt } from '../bind-support.js'
import { defineFunction } from '../define.js'
import type { ScalarFunction } from '../function-definition.js'
import { hasSurrogates } from './code-points.js'

/** Longest result a pad may build, so a typo such as LPAD(s, 1000000000) fails instead of eating memory. */
const MAX_PAD_LENGTH = 10_000_000

/**
 * LPAD/RPAD: `s` filled on the left/right with repetitions of `fill` (a space by default) up to `length`
 * characters; a longer `s` is cut to `length` (from the right, for both, as PostgreSQL). An empty fill
 * leaves `s` as it is, cut to length.
 */
function pad(name: string, s: string, length: number, fill: string, left: boolean): string {
  if (length <= 0) return ''
  const cps = hasSurrogates(s) ? Array.from(s) : undefined
  const n = cps === undefined ? s.length : cps.length
  if (n >= length) return cps === undefined ? s.slice(0, length) : cps.slice(0, length).join('')
  if (fill === '') return s
  if (length > MAX_PAD_LENGTH) {
    throw new FerrisError(
      'FERRIS_EVALUATION',
      `${name}: requested length ${length} is over the limit of ${MAX_PAD_LENGTH} characters`,
      {
        value: length,
        expected: `a length up to ${MAX_PAD_LENGTH}`,
      },
    )
  }
  const fills = hasSurrogates(fill) ? Array.from(fill) : undefined
  const need = length - n
  let padding: string
  if (fills === undefined) {
    padding = fill.repeat(Math.ceil(need / fill.length)).slice(0, need)
  } else {
    const parts: string[] = []
    for (let i = 0; i < need; i++) parts.push(fills[i % fills.length]!)
    padding = parts.join('')
  }

  return left ? padding + s : s + padding
}

function padFunction(name: 'LPAD' | 'RPAD'): ScalarFunction {
  const signature = `${name}(s STRING, length INT [, fill STRING]) → STRING`
  const left = name === 'LPAD'

  return defineFunction({
    name,
    signature,
    bind(argTypes: readonly DataType[]) {
      checkArity(name, signature, argTypes, 2, 3)
      checkArgs(name, signature, argTypes, [
        [isStringArg, 'STRING'],
        [isIntegerArg, 'an integer (INT or BIGINT)'],
        [isStringArg, 'STRING'],
      ])
      return bound(
        T.string,
        argTypes.length === 2
          ? (args) => pad(name, args[0] as string, toSafeInt(args[1]!), ' ', left)
          : (args) => pad(name, args[0] as string, toSafeInt(args[1]!), args[2] as string, left),
      )
    },
  })
}

export const lpad = padFunction('LPAD')
export const rpad = padFunction('RPAD')
