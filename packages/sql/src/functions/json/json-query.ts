import { T } from '@ferris/core'
import { bound } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { bindJsonSelector } from './json-args.js'
import { jsonText } from './json-path.js'

const SIGNATURE = "JSON_QUERY(json STRING, path STRING) → STRING (JSON text), e.g. JSON_QUERY(doc, '$.items[*].id')"

/**
 * The JSON text at `path`, numbers written exactly as in the input. A path with a wildcard (`[*]`, `.*`)
 * returns every match wrapped in an array (the standard's WITH ARRAY WRAPPER); otherwise the one item
 * selected (object, array or scalar). NULL when nothing matches (NULL ON EMPTY) or the document is not valid
 * JSON (NULL ON ERROR).
 */
export const jsonQuery = defineFunction({
  name: 'JSON_QUERY',
  signature: SIGNATURE,
  bind(argTypes, literals) {
    const { select } = bindJsonSelector('JSON_QUERY', SIGNATURE, argTypes, literals)

    return bound(
      T.string,
      (args) => {
        const r = select(args)
        if (r === undefined || r.items.length === 0) return null
        if (r.path.multi) return `[${r.items.map(jsonText).join(',')}]`
        if (r.items.length !== 1) return null

        return jsonText(r.items[0]!)
      },
      { nullable: true },
    )
  },
})
