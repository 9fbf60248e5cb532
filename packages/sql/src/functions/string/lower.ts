import { T } from '@ferris/core'
import { bound, checkArgs, checkArity, isStringArg } from '../bind-support.js'
import { defineFunction } from '../define.js'

const SIGNATURE = 'LOWER(s STRING) → STRING'

/** Lower case by Unicode's default case mapping, whatever the locale. */
export const lower = defineFunction({
  name: 'LOWER',
  aliases: ['LCASE'],
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('LOWER', SIGNATURE, argTypes, 1)
    checkArgs('LOWER', SIGNATURE, argTypes, [[isStringArg, 'STRING']])

    return bound(T.string, (args) => (args[0] as string).toLowerCase())
  },
})
