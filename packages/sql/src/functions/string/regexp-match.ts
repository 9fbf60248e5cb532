import { type DataType, T, type Value } from '@ferris/core'
import { bound, checkArgs, checkArity, isStringArg } from '../bind-support.js'
import { defineFunction } from '../define.js'
import { compileRegex, regexCache } from './regexp.js'

const SIGNATURE = 'REGEXP_MATCH(s STRING, pattern STRING [, flags STRING]) → LIST<STRING>'

function firstMatch(s: string, re: RegExp): Value {
  re.lastIndex = 0
  const m = re.exec(s)
  if (m === null) return null
  if (m.length === 1) return [m[0]]
  const groups: Value[] = []
  for (let i = 1; i < m.length; i++) groups.push(m[i] ?? null)

  return groups
}

/**
 * PostgreSQL's regexp_match: the capture groups of the first match as a list (the whole match when the
 * pattern has no group; NULL for a group that did not take part), or NULL when nothing matches.
 */
export const regexpMatch = defineFunction({
  name: 'REGEXP_MATCH',
  signature: SIGNATURE,
  bind(argTypes: readonly DataType[], literals) {
    checkArity('REGEXP_MATCH', SIGNATURE, argTypes, 2, 3)
    checkArgs('REGEXP_MATCH', SIGNATURE, argTypes, [[isStringArg, 'STRING']])
    const type = T.list(T.string)
    const pattern = literals[1]
    const flags = argTypes.length === 2 ? '' : literals[2]
    if (typeof pattern === 'string' && typeof flags === 'string') {
      const { re } = compileRegex('REGEXP_MATCH', pattern, flags, 'FERRIS_SQL_SEMANTIC', false)

      return bound(type, (args) => firstMatch(args[0] as string, re), { nullable: true })
    }
    const cache = regexCache('REGEXP_MATCH', false)

    return bound(
      type,
      (args) => firstMatch(args[0] as string, cache(args[1] as string, (args[2] as string | undefined) ?? '').re),
      {
        nullable: true,
      },
    )
  },
})

const LIKE_SIGNATURE = 'REGEXP_LIKE(s STRING, pattern STRING [, flags STRING]) → BOOLEAN'

/** Whether `pattern` matches anywhere in `s` (PostgreSQL's `~` operator and regexp_like). */
export const regexpLike = defineFunction({
  name: 'REGEXP_LIKE',
  signature: LIKE_SIGNATURE,
  bind(argTypes: readonly DataType[], literals) {
    checkArity('REGEXP_LIKE', LIKE_SIGNATURE, argTypes, 2, 3)
    checkArgs('REGEXP_LIKE', LIKE_SIGNATURE, argTypes, [[isStringArg, 'STRING']])
    const pattern = literals[1]
    const flags = argTypes.length === 2 ? '' : literals[2]
    if (typeof pattern === 'string' && typeof flags === 'string') {
      const { re } = compileRegex('REGEXP_LIKE', pattern, flags, 'FERRIS_SQL_SEMANTIC', false)

      return bound(T.boolean, (args) => re.test(args[0] as string))
    }
    const cache = regexCache('REGEXP_LIKE', false)

    return bound(T.boolean, (args) =>
      cache(args[1] as string, (args[2] as string | undefined) ?? '').re.test(args[0] as string),
    )
  },
})
