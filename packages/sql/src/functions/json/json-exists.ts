import { T } from '@ferris/core'
import { bound } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { bindJsonSelector } from './json-args.js'

const SIGNATURE = "JSON_EXISTS(json STRING, path STRING) → BOOLEAN, e.g. JSON_EXISTS(doc, '$.tags[0]')"

/** Whether `path` selects at least one item (JSON null counts); FALSE for text that is not valid JSON (FALSE ON ERROR). */
export const jsonExists = defineFunction({
  name: 'JSON_EXISTS',
  signature: SIGNATURE,
  bind(argTypes, literals) {
    const { select } = bindJsonSelector('JSON_EXISTS', SIGNATURE, argTypes, literals)

    return bound(T.boolean, (args) => {
      const r = select(args)

      return r !== undefined && r.items.length > 0
    })
  },
})
