import { type DataType, type ExactJson, parseExactJson, type Value } from '@ferris/core'
import { argTypeError, checkArity, isStringArg } from '../bind-support.js'
import { type JsonPath, parseJsonPath, selectJson } from './json-path.js'

/**
 * Shared binding of the JSON functions: checks `(json STRING, path STRING)`, compiles a constant path once
 * (a bad one is a plan-time error), and returns a selector from the row's arguments to the selected items,
 * or undefined when the document is not valid JSON (SQL's default NULL ON ERROR / FALSE ON ERROR).
 */
export function bindJsonSelector(
  fn: string,
  signature: string,
  argTypes: readonly DataType[],
  literals: readonly (Value | undefined)[],
): { select: (args: readonly Value[]) => { items: ExactJson[]; path: JsonPath } | undefined } {
  checkArity(fn, signature, argTypes, 2)
  argTypes.forEach((t, i) => {
    if (!isStringArg(t))
      throw argTypeError(fn, i, t, i === 0 ? 'JSON text (STRING)' : 'a JSON path (STRING)', signature)
  })
  const constant = literals[1]
  const fixed = typeof constant === 'string' ? parseJsonPath(constant, fn) : undefined
  let lastText: string | undefined
  let lastPath: JsonPath | undefined
  const pathOf = (text: string): JsonPath => {
    if (fixed !== undefined) return fixed
    if (text !== lastText || lastPath === undefined) {
      lastPath = parseJsonPath(text, fn, 'FERRIS_EVALUATION')
      lastText = text
    }

    return lastPath
  }

  return {
    select: (args) => {
      const path = pathOf(args[1] as string)
      let doc: ExactJson
      try {
        doc = parseExactJson(args[0] as string)
      } catch {
        return undefined
      }

      return { items: selectJson(doc, path), path }
    },
  }
}
