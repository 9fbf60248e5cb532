import { T } from '@ferris/core'
import { bound, checkArgs, checkArity, isStringArg } from '../bind-support.js'
import { defineFunction } from '../define.js'

const SIGNATURE = 'UPPER(s STRING) → STRING'

/** Upper case by Unicode's simple case mapping, whatever the locale ('ß' stays 'ß', as PostgreSQL). */
export const upper = defineFunction({
  name: 'UPPER',
  aliases: ['UCASE'],
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('UPPER', SIGNATURE, argTypes, 1)
    checkArgs('UPPER', SIGNATURE, argTypes, [[isStringArg, 'STRING']])

    return bound(T.string, (args) => upperCase(args[0] as string))
  },
})

/**
 * Case mapping one character at a time, as PostgreSQL does: a character whose mapping would be several
 * characters ('ß' → 'SS', 'İ' → 'i̇') is kept as it is, so LENGTH is unchanged by UPPER. Such
 * characters are rare, so the whole-string mapping is tried first and kept when no length changed.
 */
export function upperCase(s: string): string {
  const whole = s.toUpperCase()
  if (whole.length === s.length) return whole
  let out = ''
  for (const c of s) {
    const m = c.toUpperCase()
    out += m.length === c.length ? m : c
  }

  return out
}
