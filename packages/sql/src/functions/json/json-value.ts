import { JsonNumber, T } from '@ferris/core'
import { bound } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { bindJsonSelector } from './json-args.js'

const SIGNATURE = "JSON_VALUE(json STRING, path STRING) → STRING, e.g. JSON_VALUE(doc, '$.user.id')"

/**
 * The scalar at `path` as text: a string unquoted, a number exactly as written (a 20-digit id keeps every
 * digit), true/false. NULL when the path selects nothing, several items, an object or array, or JSON null,
 * or when the document is not valid JSON (the standard's NULL ON EMPTY and NULL ON ERROR).
 */
export const jsonValue = defineFunction({
  name: 'JSON_VALUE',
  signature: SIGNATURE,
  bind(argTypes, literals) {
    const { select } = bindJsonSelector('JSON_VALUE', SIGNATURE, argTypes, literals)

    return bound(
      T.string,
      (args) => {
        const r = select(args)
        if (r === undefined || r.items.length !== 1) return null
        const v = r.items[0]!
        if (typeof v === 'string') return v
        if (v instanceof JsonNumber) return v.text
        if (typeof v === 'boolean') return v ? 'true' : 'false'

        return null
      },
      { nullable: true },
    )
  },
})
