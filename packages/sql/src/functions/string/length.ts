import { T } from '@ferris/core'
import { bound, checkArgs, checkArity, isStringArg } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { codePointLength } from './code-points.js'

const SIGNATURE = 'LENGTH(s STRING) → INT'

/** Characters (code points), not UTF-16 units: LENGTH('😀') is 1, as in PostgreSQL. */
export const length = defineFunction({
  name: 'LENGTH',
  aliases: ['CHAR_LENGTH', 'CHARACTER_LENGTH'],
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('LENGTH', SIGNATURE, argTypes, 1)
    checkArgs('LENGTH', SIGNATURE, argTypes, [[isStringArg, 'STRING']])

    return bound(T.int32, (args) => codePointLength(args[0] as string))
  },
})
