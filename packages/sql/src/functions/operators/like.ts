import { type DataType, FerrisError, T, typeToString, type Value } from '@ferris/core'
import { bound, semanticError } from '../bind-support.js'
import type { BoundFunction } from '../function-definition.js'

export interface LikeOptions {
  /** ILIKE: compare without regard to case. */
  readonly caseInsensitive?: boolean
  /** NOT LIKE / NOT ILIKE. */
  readonly negated?: boolean
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/-]/

/**
 * Translates a LIKE pattern into an anchored RegExp: `%` is any run of characters, `_` exactly one
 * character (one code point: `_` matches '😀'), and the escape character (backslash unless ESCAPE says
 * otherwise, as PostgreSQL; ESCAPE '' turns escaping off) makes the next character literal.
 */
export function likeToRegExp(
  pattern: string,
  escapeChar: string | null,
  caseInsensitive: boolean,
  code: 'FERRIS_SQL_SEMANTIC' | 'FERRIS_EVALUATION',
): RegExp {
  let source = '^'
  const chars = Array.from(pattern)
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!
    if (escapeChar !== null && c === escapeChar) {
      const next = chars[i + 1]
      if (next === undefined) {
        throw new FerrisError(code, `LIKE pattern '${pattern}' ends with its escape character '${escapeChar}'`, {
          value: pattern,
          hint: `escape the escape character itself ('${escapeChar}${escapeChar}') or remove it from the end`,
        })
      }
      source += REGEX_SPECIAL.test(next) ? `\\${next}` : next
      i++
    } else if (c === '%') {
      source += '.*'
    } else if (c === '_') {
      source += '.'
    } else {
      source += REGEX_SPECIAL.test(c) ? `\\${c}` : c
    }
  }

  return new RegExp(`${source}$`, caseInsensitive ? 'isu' : 'su')
}

/**
 * Binds `s [NOT] [I]LIKE pattern [ESCAPE e]`: `argTypes` is `[s, pattern]` or `[s, pattern, escapeChar]`.
 * A constant pattern (the usual case) is compiled once, here; a pattern from a column is compiled when it
 * changes from the previous row.
 */
export function bindLike(
  argTypes: readonly DataType[],
  literals: readonly (Value | undefined)[] = [],
  options: LikeOptions = {},
): BoundFunction {
  const op = `${options.negated ? 'NOT ' : ''}${options.caseInsensitive ? 'ILIKE' : 'LIKE'}`
  if (argTypes.length !== 2 && argTypes.length !== 3) {
    throw semanticError(
      `${op} takes a string, a pattern and an optional ESCAPE character, but ${argTypes.length} operands were given`,
    )
  }
  argTypes.forEach((t, i) => {
    if (t.kind !== 'string' && t.kind !== 'null') {
      throw semanticError(
        `${op}: ${['the tested value', 'the pattern', 'the ESCAPE character'][i]} has type ${typeToString(t)}, but STRING is required`,
        {
          value: typeToString(t),
          expected: 'STRING',
          hint: 'CAST(x AS STRING) to match a non-string value against a pattern',
        },
      )
    }
  })
  const ci = options.caseInsensitive === true
  const negated = options.negated === true
  let escapeChar: string | null = '\\'
  if (argTypes.length === 3) {
    const e = literals[2]
    if (e === undefined) throw semanticError(`${op}: the ESCAPE character must be a constant`)
    if (e !== null) {
      const cs = Array.from(e as string)
      if (cs.length > 1) {
        throw semanticError(`${op}: ESCAPE must be a single character, got '${e as string}'`, {
          value: e,
          expected: "one character, or '' for no escape character",
        })
      }
      escapeChar = cs.length === 0 ? null : cs[0]!
    }
  }
  const p = literals[1]
  if (typeof p === 'string') {
    const literalPrefix = fastPath(p, escapeChar)
    if (literalPrefix !== undefined && !ci) {
      const f = literalPrefix

      return bound(T.boolean, negated ? (args) => !f(args[0] as string) : (args) => f(args[0] as string))
    }
    const re = likeToRegExp(p, escapeChar, ci, 'FERRIS_SQL_SEMANTIC')

    return bound(T.boolean, negated ? (args) => !re.test(args[0] as string) : (args) => re.test(args[0] as string))
  }
  let lastPattern: string | undefined
  let lastRe: RegExp = /^$/
  const match = (s: string, pattern: string): boolean => {
    if (pattern !== lastPattern) {
      lastRe = likeToRegExp(pattern, escapeChar, ci, 'FERRIS_EVALUATION')
      lastPattern = pattern
    }

    return lastRe.test(s)
  }

  return bound(
    T.boolean,
    negated
      ? (args) => !match(args[0] as string, args[1] as string)
      : (args) => match(args[0] as string, args[1] as string),
  )
}

/**
 * Patterns that need no RegExp: 'abc' (equality), 'abc%' (prefix), '%abc' (suffix), '%abc%' (contains),
 * with no `_` and no escapes. These are the common filters and run several times faster as string calls.
 */
function fastPath(pattern: string, escapeChar: string | null): ((s: string) => boolean) | undefined {
  if (pattern.includes('_') || (escapeChar !== null && pattern.includes(escapeChar))) return undefined
  const starts = pattern.startsWith('%')
  const ends = pattern.length > 1 && pattern.endsWith('%')
  const core = pattern.slice(starts ? 1 : 0, ends ? -1 : undefined)
  if (core.includes('%')) return pattern === '%' ? () => true : undefined
  if (starts && ends) return (s) => s.includes(core)
  if (starts) return (s) => s.endsWith(core)
  if (ends) return (s) => s.startsWith(core)

  return (s) => s === core
}
