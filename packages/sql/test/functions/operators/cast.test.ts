import { T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { bindCast, bindConcatOperator } from '../../../src/functions/index.js'
import { type Arg, big, bindError, bool, date, dbl, dec, evalWith, int, NULL, str, ts } from '../harness.js'

const cast = (a: Arg, to: Parameters<typeof bindCast>[1], safe = false) =>
  evalWith((t) => bindCast(t[0]!, to, { safe }), [a]).text

describe('functions: CAST and TRY_CAST', () => {
  it('converts as SQL CAST does (PostgreSQL gives the same)', () => {
    expect(cast(str('12'), T.int32)).toBe('12')
    expect(cast(str(' 12 '), T.int32)).toBe('12')
    expect(cast(dec('2.5'), T.int32)).toBe('3')
    expect(cast(dec('-2.5'), T.int32)).toBe('-3')
    expect(cast(dec('1.25'), T.decimal(3, 1))).toBe('1.3')
    expect(cast(dec('12.345'), T.decimal(4, 2))).toBe('12.35')
    expect(cast(bool(true), T.int32)).toBe('1')
    expect(cast(big('9223372036854775807'), T.string)).toBe('9223372036854775807')
    expect(cast(str('9223372036854775807'), T.int64)).toBe('9223372036854775807')
    expect(cast(str('2024-02-29'), T.date)).toBe('2024-02-29')
    expect(cast(ts('2024-02-29 13:45:00.123456'), T.date)).toBe('2024-02-29')
    expect(cast(date('2024-02-29'), T.timestamp('ms'))).toBe('2024-02-29T00:00:00.000')
    expect(cast(dbl(1.5), T.string)).toBe('1.5')
    expect(cast(NULL, T.int32)).toBe('NULL')
  })

  it('names the value and both types when a value does not convert', () => {
    expect(cast(str('abc'), T.int32)).toMatch(/^error FERRIS_TYPE_CONVERSION: Cannot read "abc" as INT/)
    expect(cast(big(3_000_000_000), T.int32)).toBe(
      'error FERRIS_TYPE_CONVERSION: 3000000000 (BIGINT) is out of the range of INT, -2147483648 to 2147483647',
    )
    expect(cast(str('2024-02-30'), T.date)).toMatch(/^error FERRIS_TYPE_CONVERSION: Cannot read "2024-02-30" as a date/)
  })

  it('gives NULL instead for TRY_CAST', () => {
    expect(cast(str('abc'), T.int32, true)).toBe('NULL')
    expect(cast(big(3_000_000_000), T.int32, true)).toBe('NULL')
    expect(cast(str('2024-02-30'), T.date, true)).toBe('NULL')
    expect(cast(str('42'), T.int32, true)).toBe('42')
  })

  it('converts a constant once at plan time, failing there for CAST (as PostgreSQL) and giving NULL for TRY_CAST', () => {
    const ctx = { queryStartNanos: 0n, timeZone: 'UTC' }
    expect(bindCast(T.string, T.int32, { literal: '42' }).evaluate(['ignored'], ctx)).toBe(42)
    expect(bindError(() => bindCast(T.string, T.int32, { literal: 'abc' }))).toMatch(
      /^FERRIS_SQL_SEMANTIC: CAST\('abc' AS INT\) fails: Cannot read "abc" as INT/,
    )
    expect(bindError(() => bindCast(T.int64, T.int32, { literal: 3_000_000_000n }))).toMatch(
      /^FERRIS_SQL_SEMANTIC: CAST\(3000000000 AS INT\) fails: 3000000000 \(BIGINT\) is out of the range of INT/,
    )
    expect(bindCast(T.string, T.int32, { literal: 'abc', safe: true }).evaluate(['abc'], ctx)).toBe(null)
  })

  it('refuses impossible conversions at plan time, for CAST and TRY_CAST alike', () => {
    expect(bindError(() => bindCast(T.boolean, T.date))).toBe(
      'FERRIS_SQL_SEMANTIC: CAST from BOOLEAN to DATE is not possible',
    )
    expect(bindError(() => bindCast(T.date, T.int32, { safe: true }))).toBe(
      'FERRIS_SQL_SEMANTIC: TRY_CAST from DATE to INT is not possible',
    )
  })
})

describe('functions: || concatenation', () => {
  const cat = (a: Arg, b: Arg) => evalWith((t) => bindConcatOperator(t), [a, b]).text
  it('joins strings, writing a non-string side as CAST would', () => {
    expect(cat(str('a'), str('b'))).toBe('ab')
    expect(cat(str(''), str(''))).toBe('')
    expect(cat(str('id-'), int(42))).toBe('id-42')
    expect(cat(str('x'), dec('1.50'))).toBe('x1.50')
    expect(cat(big('9223372036854775807'), str('!'))).toBe('9223372036854775807!')
    expect(cat(str('😀'), str('😀'))).toBe('😀😀')
  })
  it('gives NULL when either side is NULL (unlike CONCAT)', () => {
    expect(cat(str('a'), NULL)).toBe('NULL')
    expect(cat(NULL, str('a'))).toBe('NULL')
  })
  it('needs a string on one side', () => {
    expect(bindError(() => bindConcatOperator([T.int32, T.int32]))).toMatch(
      /Operator \|\| needs a string on at least one side, got INT \|\| INT/,
    )
  })
})
