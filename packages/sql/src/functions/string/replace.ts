import { T } from '@ferris/core'
import { bound, checkArgs, checkArity, isStringArg } from '../bind-support.js'
import { defineFunction } from '../define.js'

const SIGNATURE = 'REPLACE(s STRING, from STRING, to STRING) → STRING'

/** Replaces every occurrence of `from` (plain text, not a pattern); an empty `from` changes nothing. */
export const replace = defineFunction({
  name: 'REPLACE',
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('REPLACE', SIGNATURE, argTypes, 3)
    checkArgs('REPLACE', SIGNATURE, argTypes, [[isStringArg, 'STRING']])

    return bound(T.string, (args) => {
      const from = args[1] as string
      if (from === '') return args[0] as string

      const to = args[2] as string

      // A function replacer: a string one would read `$&` and `$1` in `to` as patterns.
      return (args[0] as string).replaceAll(from, () => to)
    })
  },
})
