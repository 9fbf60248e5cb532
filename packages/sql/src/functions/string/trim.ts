import { T, type Value } from '@ferris/core'
import { bound, checkArgs, checkArity, type Evaluate, isStringArg } from '../bind-support.js'
import { defineFunction } from '../define.js'
import type { ScalarFunction } from '../function-definition.js'
import { hasSurrogates } from './code-points.js'

/**
 * TRIM, LTRIM and RTRIM remove characters from the ends of a string: spaces only by default (as PostgreSQL,
 * not tabs or newlines), or any character of the second argument. The parser turns the standard's
 * `TRIM([BOTH|LEADING|TRAILING] [chars] FROM s)` into `TRIM(s, chars)`, `LTRIM(s, chars)`, `RTRIM(s, chars)`.
 */

type Side = 'both' | 'leading' | 'trailing'

function trimSet(s: string, chars: string, side: Side): string {
  if (chars === ' ') return trimSpaces(s, side)
  const set = hasSurrogates(chars) ? new Set(Array.from(chars)) : undefined
  const has = set === undefined ? (c: string) => chars.includes(c) : (c: string) => set.has(c)
  const cps = set === undefined && !hasSurrogates(s) ? undefined : Array.from(s)
  if (cps === undefined) {
    let start = 0
    let end = s.length
    if (side !== 'trailing') while (start < end && has(s[start]!)) start++
    if (side !== 'leading') while (end > start && has(s[end - 1]!)) end--

    return s.slice(start, end)
  }
  let start = 0
  let end = cps.length
  if (side !== 'trailing') while (start < end && has(cps[start]!)) start++
  if (side !== 'leading') while (end > start && has(cps[end - 1]!)) end--

  return cps.slice(start, end).join('')
}

function trimSpaces(s: string, side: Side): string {
  let start = 0
  let end = s.length
  if (side !== 'trailing') while (start < end && s.charCodeAt(start) === 32) start++
  if (side !== 'leading') while (end > start && s.charCodeAt(end - 1) === 32) end--

  return start === 0 && end === s.length ? s : s.slice(start, end)
}

function trimFunction(name: string, side: Side, aliases: readonly string[]): ScalarFunction {
  const signature = `${name}(s STRING [, characters STRING]) → STRING`

  return defineFunction({
    name,
    aliases,
    signature,
    bind(argTypes, literals) {
      checkArity(name, signature, argTypes, 1, 2)
      checkArgs(name, signature, argTypes, [[isStringArg, 'STRING']])
      let evaluate: Evaluate
      const chars = literals[1]
      if (argTypes.length === 1 || chars === ' ') {
        evaluate = (args) => trimSpaces(args[0] as string, side)
      } else if (typeof chars === 'string') {
        evaluate = (args) => trimSet(args[0] as string, chars, side)
      } else {
        evaluate = (args: readonly Value[]) => trimSet(args[0] as string, args[1] as string, side)
      }

      return bound(T.string, evaluate)
    },
  })
}

export const trim = trimFunction('TRIM', 'both', ['BTRIM'])
export const ltrim = trimFunction('LTRIM', 'leading', [])
export const rtrim = trimFunction('RTRIM', 'trailing', [])
