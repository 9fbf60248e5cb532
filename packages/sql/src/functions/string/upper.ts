import { T } from '@ferris/core'
import { bound, checkArgs, checkArity, isStringArg } from '../bind-support.js'
import { defineFunction } from '../define.js'

const SIGNATURE = 'UPPER(s STRING) → STRING'

/** Upper case by Unicode's default case mapping ('ß' becomes 'SS'), whatever the locale. */
export const upper = defineFunction({
  name: 'UPPER',
  aliases: ['UCASE'],
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('UPPER', SIGNATURE, argTypes, 1)
    checkArgs('UPPER', SIGNATURE, argTypes, [[isStringArg, 'STRING']])

    return bound(T.string, (args) => (args[0] as string).toUpperCase())
  },
})
