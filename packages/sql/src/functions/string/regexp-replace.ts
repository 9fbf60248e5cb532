import { type DataType, T, type Value } from '@ferris/core'
import { bound, checkArgs, checkArity, isStringArg } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { compileRegex, regexCache } from './regexp.js'

const SIGNATURE = 'REGEXP_REPLACE(s STRING, pattern STRING, replacement STRING [, flags STRING]) → STRING'

/** A replacement template: literal text and group references (0 = the whole match). */
type Template = ReadonlyArray<string | number>

/**
 * Reads PostgreSQL's replacement syntax: `\1`…`\9` insert a group, `\&` the whole match, `\\` a backslash;
 * `$` has no special meaning (unlike JavaScript's).
 */
export function parseReplacement(text: string): Template {
  const parts: Array<string | number> = []
  let literal = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '\\' && i + 1 < text.length) {
      const n = text[i + 1]!
      if (n >= '1' && n <= '9') {
        if (literal !== '') parts.push(literal)
        literal = ''
        parts.push(Number(n))
        i++
        continue
      }
      if (n === '&') {
        if (literal !== '') parts.push(literal)
        literal = ''
        parts.push(0)
        i++
        continue
      }
      if (n === '\\') {
        literal += '\\'
        i++
        continue
      }
    }
    literal += c
  }
  if (literal !== '') parts.push(literal)

  return parts
}

function replaceWith(s: string, re: RegExp, template: Template): string {
  re.lastIndex = 0
  if (template.length === 1 && typeof template[0] === 'string') {
    const fixed = template[0]

    return s.replace(re, () => fixed)
  }

  return s.replace(re, (...m: unknown[]) => {
    let out = ''
    for (const part of template) {
      if (typeof part === 'string') out += part
      else {
        const g = m[part]
        out += typeof g === 'string' ? g : ''
      }
    }

    return out
  })
}

/**
 * Replaces the first match of `pattern` (every match with flag `g`) by `replacement`, as PostgreSQL's
 * regexp_replace.
 */
export const regexpReplace = defineFunction({
  name: 'REGEXP_REPLACE',
  signature: SIGNATURE,
  bind(argTypes: readonly DataType[], literals) {
    checkArity('REGEXP_REPLACE', SIGNATURE, argTypes, 3, 4)
    checkArgs('REGEXP_REPLACE', SIGNATURE, argTypes, [[isStringArg, 'STRING']])
    const pattern = literals[1]
    const flags = argTypes.length === 3 ? '' : literals[3]
    const replacement = literals[2]
    const fixedTemplate = typeof replacement === 'string' ? parseReplacement(replacement) : undefined
    const templateOf = (args: readonly Value[]) => fixedTemplate ?? parseReplacement(args[2] as string)
    if (typeof pattern === 'string' && typeof flags === 'string') {
      const { re } = compileRegex('REGEXP_REPLACE', pattern, flags, 'FERRIS_SQL_SEMANTIC', true)

      return bound(T.string, (args) => replaceWith(args[0] as string, re, templateOf(args)))
    }
    const cache = regexCache('REGEXP_REPLACE', true)

    return bound(T.string, (args) =>
      replaceWith(
        args[0] as string,
        cache(args[1] as string, (args[3] as string | undefined) ?? '').re,
        templateOf(args),
      ),
    )
  },
})
