import { T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { bindCaseResult, defaultFunctions } from '../../../src/functions/index.js'
import {
  type Arg,
  big,
  bindError,
  bool,
  call,
  date,
  dbl,
  dec,
  int,
  NULL,
  nullOf,
  str,
  titled,
  ts,
  typeOf,
} from '../harness.js'

const describeCall = (name: string, args: readonly Arg[]) =>
  `${name}(${args.map((a) => (a.value === null ? 'NULL' : String(a.value))).join(', ')})`

const cases: ReadonlyArray<readonly [string, readonly Arg[], string, string?]> = [
  ['COALESCE', [NULL, int(1), int(2)], '1', 'INT'],
  ['COALESCE', [nullOf(T.int32), NULL], 'NULL', 'INT'],
  ['COALESCE', [int(1), dec('2.5')], '1.0', 'DECIMAL(11, 1)'], // widened to the common type
  ['COALESCE', [nullOf(T.int32), big('9223372036854775807')], '9223372036854775807', 'BIGINT'],
  ['COALESCE', [str(''), str('x')], ''], // '' is not NULL
  ['IFNULL', [nullOf(T.string), str('d')], 'd'],
  ['COALESCE', [nullOf(T.date), ts('2024-01-01 10:00')], '2024-01-01T10:00:00.000000', 'TIMESTAMP(6)'],
  ['COALESCE', [date('2024-01-01'), ts('2024-01-01 10:00')], '2024-01-01T00:00:00.000000'],
  ['NULLIF', [int(1), int(1)], 'NULL', 'INT'],
  ['NULLIF', [int(1), int(2)], '1'],
  ['NULLIF', [nullOf(T.int32), int(1)], 'NULL'],
  ['NULLIF', [int(1), NULL], '1'],
  ['NULLIF', [dec('1.0'), int(1)], 'NULL'],
  ['NULLIF', [str(''), str('')], 'NULL'],
  ['GREATEST', [int(1), NULL, int(3)], '3', 'INT'],
  ['LEAST', [NULL, int(2), dec('1.5')], '1.5', 'DECIMAL(11, 1)'],
  ['GREATEST', [nullOf(T.int32), NULL], 'NULL'],
  ['GREATEST', [str('a'), str('b'), str('😀'), str('\uFFFF')], '😀'],
  ['LEAST', [big('9007199254740993'), dbl(9007199254740992)], '9007199254740992', 'DOUBLE'],
  ['GREATEST', [dbl(1), dbl(Number.NaN)], 'NaN'], // NaN sorts above every number, as PostgreSQL
  ['LEAST', [date('2024-01-02'), date('2024-01-01')], '2024-01-01', 'DATE'],
  ['GREATEST', [bool(false), bool(true)], 'true'],
]

describe('functions: conditional functions', () => {
  it.each(titled(cases, ([name, args, e]) => `${describeCall(name, args)} = ${e}`))(
    '%s',
    (_, name, args, expected, type) => {
      expect(call(name, ...args)).toBe(expected)
      if (type !== undefined) expect(typeOf(name, ...args)).toBe(type)
    },
  )

  it('refuses values that do not share a type, naming the one that breaks', () => {
    const fns = defaultFunctions()
    expect(bindError(() => fns.resolve('COALESCE').bind([T.int32, T.string], []))).toBe(
      'FERRIS_SQL_SEMANTIC: COALESCE: value 2 has type STRING, which does not mix with INT',
    )
    expect(bindError(() => fns.resolve('GREATEST').bind([T.date, T.boolean], []))).toMatch(
      /GREATEST: value 2 has type BOOLEAN/,
    )
    expect(bindError(() => fns.resolve('NULLIF').bind([T.int32, T.string], []))).toMatch(
      /NULLIF: cannot compare INT with STRING/,
    )
    expect(bindError(() => fns.resolve('NULLIF').bind([T.int32], []))).toMatch(
      /NULLIF takes 2 arguments, but 1 was given/,
    )
    expect(bindError(() => fns.resolve('COALESCE').bind([], []))).toMatch(/COALESCE takes at least 1 argument/)
  })

  it('gives CASE the common type of its branches and the conversions to it', () => {
    const { type, coerce } = bindCaseResult([T.int32, T.int64, T.null])
    expect(type).toEqual(T.int64)
    expect(coerce[0]?.(5)).toBe(5n)
    expect(coerce[1]).toBeUndefined()
    expect(bindError(() => bindCaseResult([T.int32, T.string]))).toMatch(/CASE: value 2 has type STRING/)
  })
})
