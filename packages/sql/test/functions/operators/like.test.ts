import { T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { bindLike } from '../../../src/functions/index.js'
import { type Arg, bindError, evalLiterals, evalWith, NULL, str, titled } from '../harness.js'

const like = (s: Arg, p: Arg, options: { caseInsensitive?: boolean; negated?: boolean } = {}, esc?: Arg) =>
  esc === undefined
    ? evalWith((t, l) => bindLike(t, l, options), [s, p]).text
    : // ESCAPE is always a constant.
      evalLiterals((t, l) => bindLike(t, l, options), [s, p, esc])

describe('functions: LIKE and ILIKE', () => {
  // Each row was checked against PostgreSQL 15.
  it.each(
    titled(
      [
        ['abc', 'a%', 'true'],
        ['abc', 'a_c', 'true'],
        ['abc', '%', 'true'],
        ['', '%', 'true'],
        ['x', '', 'false'],
        ['', '', 'true'],
        ['abc', 'abc', 'true'],
        ['abc', 'ab', 'false'],
        ['abc', '%c', 'true'],
        ['abc', '%b%', 'true'],
        ['abc', '%%', 'true'],
        ['a%c', 'a\\%c', 'true'], // backslash escapes by default, as PostgreSQL
        ['abc', 'a\\%c', 'false'],
        ['a\\b', 'a\\\\b', 'true'],
        ['😀x', '_x', 'true'], // _ is one character, not one UTF-16 unit
        ['a\nb', 'a%b', 'true'], // % spans newlines
        ['a.c', 'a.c', 'true'], // RegExp characters are literal
        ['abc', 'a.c', 'false'],
        ['(x)', '(%)', 'true'],
        ['a+b', 'a+_', 'true'],
        ['[ab]', '[%]', 'true'],
      ] as const,
      ([s, p, e]) => `'${s}' LIKE '${p}' is ${e}`,
    ),
  )('%s', (_, s, p, expected) => {
    expect(like(str(s), str(p))).toBe(expected)
    expect(like(str(s), str(p), { negated: true })).toBe(expected === 'true' ? 'false' : 'true')
  })

  it('refuses an ESCAPE from a column', () => {
    expect(bindError(() => bindLike([T.string, T.string, T.string], []))).toMatch(
      /the ESCAPE character must be a constant/,
    )
  })

  it('honours ESCAPE, and ESCAPE turns backslash into an ordinary character', () => {
    expect(like(str('a_c'), str('a#_c'), {}, str('#'))).toBe('true')
    expect(like(str('abc'), str('a#_c'), {}, str('#'))).toBe('false')
    expect(like(str('a\\c'), str('a\\c'), {}, str('#'))).toBe('true')
    expect(like(str('a%'), str('a%'), {}, str(''))).toBe('true') // no escape character at all
  })

  it('compares without case for ILIKE', () => {
    expect(like(str('ABC'), str('a%'), { caseInsensitive: true })).toBe('true')
    expect(like(str('ÉTÉ'), str('été'), { caseInsensitive: true })).toBe('true')
    expect(like(str('ABC'), str('a%'))).toBe('false')
    expect(like(str('ABC'), str('a%'), { caseInsensitive: true, negated: true })).toBe('false')
  })

  it('gives NULL for a NULL string, pattern or escape', () => {
    expect(like(NULL, str('%'))).toBe('NULL')
    expect(like(str('a'), { type: T.string, value: null })).toBe('NULL')
  })

  it('refuses a pattern ending with the escape character (PostgreSQL: must not end with escape character)', () => {
    expect(bindError(() => bindLike([T.string, T.string], [undefined, 'ab\\']))).toBe(
      "FERRIS_SQL_SEMANTIC: LIKE pattern 'ab\\' ends with its escape character '\\'",
    )
    const fn = bindLike([T.string, T.string], [])
    expect(bindError(() => fn.evaluate(['ab', 'ab\\'], { queryStartNanos: 0n, timeZone: 'UTC' }))).toMatch(
      /^FERRIS_EVALUATION: LIKE pattern 'ab\\' ends with its escape character/,
    )
  })

  it('refuses an ESCAPE of more than one character and non-string operands', () => {
    expect(bindError(() => bindLike([T.string, T.string, T.string], [undefined, 'a', 'xy']))).toMatch(
      /LIKE: ESCAPE must be a single character, got 'xy'/,
    )
    expect(bindError(() => bindLike([T.int32, T.string], []))).toMatch(
      /LIKE: the tested value has type INT, but STRING is required/,
    )
  })

  it('reuses the compiled pattern while a column pattern repeats', () => {
    const fn = bindLike([T.string, T.string], [])
    const ctx = { queryStartNanos: 0n, timeZone: 'UTC' }
    expect(fn.evaluate(['abc', 'a%'], ctx)).toBe(true)
    expect(fn.evaluate(['xbc', 'a%'], ctx)).toBe(false)
    expect(fn.evaluate(['xbc', 'x%'], ctx)).toBe(true)
  })
})
