import { type DataType, T, type Value } from '@ferris/core'
import { bound, checkArity } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { textFormatter } from '../text.js'

const SIGNATURE = 'CONCAT(value, ...) → STRING'

/**
 * Concatenates the text of its arguments, skipping NULLs (CONCAT('a', NULL, 'b') is 'ab', as PostgreSQL;
 * the `||` operator instead gives NULL). Non-string arguments are written as CAST(x AS STRING) would.
 */
export const concat = defineFunction({
  name: 'CONCAT',
  signature: SIGNATURE,
  bind(argTypes: readonly DataType[]) {
    checkArity('CONCAT', SIGNATURE, argTypes, 1, Number.POSITIVE_INFINITY)
    const formats = argTypes.map((t, i) => textFormatter(t, `CONCAT argument ${i + 1}`))
    const n = formats.length

    return bound(
      T.string,
      (args: readonly Value[]) => {
        let out = ''
        for (let i = 0; i < n; i++) {
          const v = args[i]!
          if (v !== null) out += formats[i]!(v)
        }

        return out
      },
      { propagatesNull: false },
    )
  },
})

const WS_SIGNATURE = 'CONCAT_WS(separator STRING, value, ...) → STRING'

/** CONCAT with a separator between the non-NULL values; NULL only when the separator is NULL. */
export const concatWs = defineFunction({
  name: 'CONCAT_WS',
  signature: WS_SIGNATURE,
  bind(argTypes: readonly DataType[]) {
    checkArity('CONCAT_WS', WS_SIGNATURE, argTypes, 2, Number.POSITIVE_INFINITY)
    const formats = argTypes.map((t, i) => textFormatter(t, `CONCAT_WS argument ${i + 1}`))
    const n = formats.length

    return bound(
      T.string,
      (args: readonly Value[]) => {
        const sep = args[0]
        if (sep === null) return null
        const s = formats[0]!(sep!)
        let out = ''
        let first = true
        for (let i = 1; i < n; i++) {
          const v = args[i]!
          if (v === null) continue
          out += first ? formats[i]!(v) : s + formats[i]!(v)
          first = false
        }

        return out
      },
      { propagatesNull: false, nullable: true },
    )
  },
})
