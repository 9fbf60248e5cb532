import { T } from '@ferris/core'
import { bound, checkArgs, checkArity, isStringArg } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { codePointIndexOf } from './code-points.js'

const SIGNATURE = 'POSITION(substring STRING, s STRING) → INT'

/**
 * The 1-based character position of the first `substring` in `s`, 0 when absent, 1 for an empty
 * substring. The parser maps `POSITION(sub IN s)` to `POSITION(sub, s)`.
 */
export const position = defineFunction({
  name: 'POSITION',
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('POSITION', SIGNATURE, argTypes, 2)
    checkArgs('POSITION', SIGNATURE, argTypes, [[isStringArg, 'STRING']])

    return bound(T.int32, (args) => codePointIndexOf(args[1] as string, args[0] as string))
  },
})

const STRPOS_SIGNATURE = 'STRPOS(s STRING, substring STRING) → INT'

/** PostgreSQL's spelling of POSITION, with the arguments the other way round. */
export const strpos = defineFunction({
  name: 'STRPOS',
  aliases: ['INSTR'],
  signature: STRPOS_SIGNATURE,
  bind(argTypes) {
    checkArity('STRPOS', STRPOS_SIGNATURE, argTypes, 2)
    checkArgs('STRPOS', STRPOS_SIGNATURE, argTypes, [[isStringArg, 'STRING']])

    return bound(T.int32, (args) => codePointIndexOf(args[0] as string, args[1] as string))
  },
})
