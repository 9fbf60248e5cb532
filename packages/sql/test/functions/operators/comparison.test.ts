import { T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import {
  bindComparison,
  bindIsDistinctFrom,
  type ComparisonOperator,
  compareStrings,
} from '../../../src/functions/index.js'
import {
  type Arg,
  big,
  bindError,
  bool,
  bytes,
  date,
  dbl,
  dec,
  evalLiterals,
  evalWith,
  int,
  interval,
  label,
  NULL,
  nullOf,
  str,
  time,
  titled,
  ts,
  tstz,
} from '../harness.js'

const cmp = (op: ComparisonOperator, a: Arg, b: Arg) => evalWith((t, l) => bindComparison(op, t, l), [a, b]).text

describe('functions: comparison operators', () => {
  // PostgreSQL 15 (C collation) gives the same answers, except where noted.
  it.each(
    titled(
      [
        ['=', int(1), int(1), 'true'],
        ['<>', int(1), int(2), 'true'],
        ['!=', int(1), int(1), 'false'],
        ['<', int(-1), int(0), 'true'],
        ['<=', int(2), int(2), 'true'],
        ['>', big(5), int(4), 'true'],
        ['>=', int(4), big(5), 'false'],
        ['=', int(1), big(1), 'true'],
        ['=', int(1), dec('1.00'), 'true'],
        ['<', dec('1.005'), dec('1.01'), 'true'],
        ['>', dec('-0.5'), int(-1), 'true'],
        ['=', dec('0.1'), dbl(0.1), 'true'],
        ['<', dbl(1.5), dec('1.6'), 'true'],
        ['=', dbl(2), int(2), 'true'],
        // Exact, where PostgreSQL converts the bigint to a double and says true:
        ['=', big('9007199254740993'), dbl(2 ** 53), 'false'],
        ['>', big('9007199254740993'), dbl(2 ** 53), 'true'],
        ['=', big('9223372036854775807'), dbl(2 ** 63), 'false'],
        ['=', big('12345678901234567890'.slice(0, 19)), dec('1234567890123456789'), 'true'],
        ['=', dbl(Number.NaN), dbl(Number.NaN), 'true'], // PostgreSQL: NaN equals NaN
        ['>', dbl(Number.NaN), dbl(Number.POSITIVE_INFINITY), 'true'], // and sorts above everything
        ['<', dbl(Number.NEGATIVE_INFINITY), big('-9223372036854775808'), 'true'],
        ['<', str('a'), str('b'), 'true'],
        ['<', str('B'), str('a'), 'true'], // code point order: upper case first
        ['<', str('ab'), str('abc'), 'true'],
        ['<', str(''), str('a'), 'true'],
        ['<', str('é'), str('z'), 'false'],
        ['<', str('\uFFFD'), str('😀'), 'true'], // UTF-16 order would say false
        ['=', str('😀'), str('😀'), 'true'],
        ['>', bool(true), bool(false), 'true'],
        ['<', date('2024-01-01'), ts('2024-01-01 00:00:01'), 'true'],
        ['=', date('2024-01-01'), ts('2024-01-01 00:00:00'), 'true'],
        ['<', ts('2024-01-01 00:00:00.000001'), ts('2024-01-01 00:00:00.000002', 'ns'), 'true'],
        ['=', tstz('2024-01-01 01:00', '+01:00'), tstz('2024-01-01 00:00', 'UTC'), 'true'],
        ['<', time('09:00'), time('10:00'), 'true'],
        ['=', interval(1, 0), interval(0, 30), 'true'], // as PostgreSQL: a month counts 30 days
        ['>', interval(0, 1), interval(0, 0, 23n * 3_600_000_000_000n), 'true'],
        ['<', bytes(new Uint8Array([1, 2])), bytes(new Uint8Array([1, 3])), 'true'],
      ] as const,
      ([op, a, b, e]) => `${label(a)} ${op} ${label(b)} is ${e}`,
    ),
  )('%s', (_, op, a, b, expected) => {
    expect(cmp(op, a, b)).toBe(expected)
  })

  it('gives NULL when either side is NULL', () => {
    expect(cmp('=', NULL, NULL)).toBe('NULL')
    expect(cmp('<', int(1), nullOf(T.int32))).toBe('NULL')
    expect(cmp('<>', nullOf(T.string), str('a'))).toBe('NULL')
  })

  it('reads a string literal as the type of the other side, once, at plan time', () => {
    const at = (text: string) => bindComparison('>=', [T.timestamp('ms'), T.string], [undefined, text])
    const fn = at('2024-01-01 00:00:00.0000005')
    // A nanosecond-precise literal against a millisecond column is not rounded first.
    expect(
      fn.evaluate([1_704_067_200_000_000_000n, '2024-01-01 00:00:00.0000005'], {
        queryStartNanos: 0n,
        timeZone: 'UTC',
      }),
    ).toBe(false)
    expect(evalLiterals((t, l) => bindComparison('=', t, l), [int(42), str('42')])).toBe('true')
    expect(evalLiterals((t, l) => bindComparison('<', t, l), [str('2024-01-01'), date('2024-01-02')])).toBe('true')
    expect(bindError(() => at('yesterday'))).toMatch(
      /^FERRIS_SQL_SEMANTIC: Cannot read the literal 'yesterday' as TIMESTAMP\(3\) for >=/,
    )
    expect(bindError(() => bindComparison('=', [T.int32, T.string], [undefined, '4x']))).toMatch(
      /Cannot read the literal '4x' as INT for =/,
    )
  })

  it('refuses types that do not compare, naming both', () => {
    expect(bindError(() => bindComparison('=', [T.int32, T.string], []))).toBe(
      'FERRIS_SQL_SEMANTIC: Cannot compare INT with STRING using =',
    )
    expect(bindError(() => bindComparison('<', [T.boolean, T.date], []))).toMatch(/Cannot compare BOOLEAN with DATE/)
  })
})

describe('functions: IS [NOT] DISTINCT FROM', () => {
  const distinct = (a: Arg, b: Arg, negated = false) => evalWith((t) => bindIsDistinctFrom(t, negated), [a, b]).text
  it('treats NULL as a value', () => {
    expect(distinct(NULL, NULL)).toBe('false')
    expect(distinct(int(1), NULL)).toBe('true')
    expect(distinct(nullOf(T.string), str('a'))).toBe('true')
    expect(distinct(int(1), big(1))).toBe('false')
    expect(distinct(dec('1.0'), int(2))).toBe('true')
    expect(distinct(NULL, NULL, true)).toBe('true')
    expect(distinct(int(1), NULL, true)).toBe('false')
    expect(distinct(str('a'), str('a'), true)).toBe('true')
  })
  it('refuses incomparable types', () => {
    expect(bindError(() => bindIsDistinctFrom([T.int32, T.boolean]))).toMatch(
      /Cannot compare INT with BOOLEAN in IS DISTINCT FROM/,
    )
  })
})

describe('functions: string order', () => {
  it('sorts by code point, astral characters last', () => {
    const words = ['😀', 'b', '\uFFFF', 'A', 'é', '', 'ab']
    expect([...words].sort(compareStrings)).toEqual(['', 'A', 'ab', 'b', 'é', '\uFFFF', '😀'])
  })
})

describe('functions: local and zoned timestamps compared', () => {
  // PostgreSQL 15 with TimeZone America/New_York:
  //   timestamp '2024-03-10 12:00' = timestamptz '2024-03-10 16:00Z'  → true (the local value is read in New York)
  //   date '2024-03-10' < timestamptz '2024-03-10 04:59Z'              → false (midnight in New York is 05:00Z)
  const ctx = { timeZone: 'America/New_York' }
  const at = (op: ComparisonOperator, a: Arg, b: Arg) => evalWith((t, l) => bindComparison(op, t, l, ctx), [a, b]).text
  it('reads the local side in the session time zone', () => {
    expect(at('=', ts('2024-03-10 12:00'), tstz('2024-03-10 16:00Z', 'UTC'))).toBe('true')
    expect(at('=', tstz('2024-03-10 16:00Z', 'UTC'), ts('2024-03-10 12:00'))).toBe('true')
    expect(at('<', date('2024-03-10'), tstz('2024-03-10 04:59Z', 'UTC'))).toBe('false')
    expect(at('>', tstz('2024-03-10 05:01Z', 'UTC'), date('2024-03-10'))).toBe('true')
    // Without a session zone, UTC.
    expect(cmp('=', ts('2024-03-10 16:00'), tstz('2024-03-10 16:00Z', 'UTC'))).toBe('true')
  })
})
