import type { Value } from '@ferris/core'
import { bound, checkArity } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { unify } from './unify.js'

const SIGNATURE = 'COALESCE(value, ...) → the common type of the values'

/**
 * The first non-NULL argument, converted to the arguments' common type (COALESCE(int_col, 0.5) is a
 * DECIMAL). NULL only when every argument is NULL.
 */
export const coalesce = defineFunction({
  name: 'COALESCE',
  aliases: ['IFNULL', 'NVL'],
  signature: SIGNATURE,
  bind(argTypes) {
    checkArity('COALESCE', SIGNATURE, argTypes, 1, Number.POSITIVE_INFINITY)
    const { type, coerce } = unify('COALESCE', argTypes)
    const n = argTypes.length
    const plain = coerce.every((c) => c === undefined)

    return bound(
      type,
      plain
        ? (args: readonly Value[]) => {
            for (let i = 0; i < n; i++) if (args[i] !== null) return args[i]!

            return null
          }
        : (args: readonly Value[]) => {
            for (let i = 0; i < n; i++) {
              const v = args[i]!
              if (v !== null) {
                const c = coerce[i]

                return c === undefined ? v : c(v)
              }
            }

            return null
          },
      { propagatesNull: false },
    )
  },
})
