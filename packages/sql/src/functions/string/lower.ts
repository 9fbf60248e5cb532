import { T } from '@ferris/core'
import { bound, checkArgs, checkArity, isStringArg } from '../bind-support.js'
import { defineFunction } from '../define.js'

const SIGNATURE = 'LOWER(s STRING) → STRING'

/** Lower case by Unicode's simple case mapping, whatever the locale. */
export const lower = defineFunction({
  name: 'LOWER',
  aliases: ['LCASE'],
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('LOWER', SIGNATURE, argTypes, 1)
    checkArgs('LOWER', SIGNATURE, argTypes, [[isStringArg, 'STRING']])

    return bound(T.string, (args) => lowerCase(args[0] as string))
  },
})

/**
 * Case mapping one character at a time, as PostgreSQL does: a character whose mapping would be several
 * characters ('ß' → 'SS', 'İ' → 'i̇') is kept as it is, so LENGTH is unchanged by LOWER. Such
 * characters are rare, so the whole-string mapping is tried first and kept when no length changed.
 */
export function lowerCase(s: string): string {
  const whole = s.toLowerCase()
  if (whole.length === s.length) return whole
  let out = ''
  for (const c of s) {
    const m = c.toLowerCase()
    out += m.length === c.length ? m : c
  }

  return out
}
