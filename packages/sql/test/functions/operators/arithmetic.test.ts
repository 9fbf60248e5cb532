import { T, typeToString } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { bindArithmetic, bindNegate } from '../../../src/functions/index.js'
import {
  type Arg,
  big,
  bindError,
  date,
  dbl,
  dec,
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

type Op = '+' | '-' | '*' | '/' | '%'
const text = (o: Op, a: Arg, b: Arg) => evalWith((t) => bindArithmetic(o, t), [a, b]).text
const type = (o: Op, a: Arg, b: Arg) => typeToString(bindArithmetic(o, [a.type, b.type]).type)

describe('functions: arithmetic on numbers', () => {
  // Expected values are what PostgreSQL 15 returns for the same expression.
  it.each(
    titled(
      [
        ['+', int(1), int(2), '3', 'INT'],
        ['-', int(-5), int(7), '-12', 'INT'],
        ['*', int(-6), int(7), '-42', 'INT'],
        ['/', int(7), int(2), '3', 'INT'],
        ['/', int(-7), int(2), '-3', 'INT'], // truncates toward zero
        ['%', int(-7), int(3), '-1', 'INT'], // sign of the dividend
        ['%', int(7), int(-3), '1', 'INT'],
        ['%', int(-4), int(2), '0', 'INT'],
        ['+', int(1), big(2), '3', 'BIGINT'],
        ['+', big(2), int(1), '3', 'BIGINT'],
        ['/', big(-7), int(2), '-3', 'BIGINT'],
        ['%', big(-7), big(3), '-1', 'BIGINT'],
        ['*', big('3037000499'), big('3037000499'), '9223372030926249001', 'BIGINT'],
        ['+', int(1), dec('1.5'), '2.5', 'DECIMAL(12, 1)'],
        ['*', dec('2.50'), dec('1.5'), '3.750', 'DECIMAL(5, 3)'],
        ['-', dec('0.1'), dec('0.3'), '-0.2', 'DECIMAL(3, 1)'],
        ['+', dec('0.1'), dec('0.2'), '0.3', 'DECIMAL(3, 1)'], // exact, unlike 0.1 + 0.2 in doubles
        ['/', dec('10.00', 5, 2), dec('3.00', 5, 2), '3.33333333', 'DECIMAL(13, 8)'],
        ['/', dec('1'), dec('3'), '0.333333', 'DECIMAL(7, 6)'],
        ['/', dec('-2'), dec('3'), '-0.666667', 'DECIMAL(7, 6)'], // rounds half away from zero
        ['%', dec('5.5'), int(2), '1.5', 'DECIMAL(2, 1)'],
        ['+', int(1), dbl(0.5), '1.5', 'DOUBLE'],
        ['+', dec('0.25'), dbl(0.5), '0.75', 'DOUBLE'],
        ['+', big('9007199254740993'), dbl(0), '9007199254740992', 'DOUBLE'],
        ['/', dbl(1), dbl(4), '0.25', 'DOUBLE'],
        ['*', dbl(-0.5), dbl(4), '-2', 'DOUBLE'],
      ] as const,
      ([o, a, b, e, t]) => `${label(a)} ${o} ${label(b)} = ${e} (${t})`,
    ),
  )('%s', (_, o, a, b, expected, resultType) => {
    expect(text(o, a, b)).toBe(expected)
    expect(type(o, a, b)).toBe(resultType)
  })

  it('propagates NULL from either side, typed or untyped', () => {
    expect(text('+', int(1), NULL)).toBe('NULL')
    expect(text('*', nullOf(T.int64), big(3))).toBe('NULL')
    expect(text('/', NULL, int(0))).toBe('NULL') // NULL / 0 is NULL, not an error
    expect(type('+', nullOf(T.int64), int(1))).toBe('BIGINT')
  })

  it.each(
    titled(
      [
        ['+', int(2147483647), int(1), 'INT'],
        ['-', int(-2147483648), int(1), 'INT'],
        ['*', int(65536), int(65536), 'INT'],
        ['/', int(-2147483648), int(-1), 'INT'],
        ['+', big('9223372036854775807'), int(1), 'BIGINT'],
        ['-', big('-9223372036854775808'), big(1), 'BIGINT'],
        ['*', big('4611686018427387904'), int(2), 'BIGINT'],
        ['/', big('-9223372036854775808'), big(-1), 'BIGINT'],
      ] as const,
      ([o, a, b, t]) => `${label(a)} ${o} ${label(b)} overflows ${t}`,
    ),
  )('%s', (_, o, a, b, typeName) => {
    const out = text(o, a, b)
    expect(out).toMatch(/^error FERRIS_ARITHMETIC_OVERFLOW: Arithmetic overflow: /)
    expect(out).toContain(`does not fit in ${typeName}`)
  })

  it('names the operands in an overflow message', () => {
    expect(text('+', big('9223372036854775807'), big(1))).toBe(
      'error FERRIS_ARITHMETIC_OVERFLOW: Arithmetic overflow: 9223372036854775807 + 1 does not fit in BIGINT (-9223372036854775808 to 9223372036854775807)',
    )
  })

  it('overflows a double instead of returning Infinity (PostgreSQL: value out of range)', () => {
    expect(text('*', dbl(1e308), dbl(10))).toMatch(/^error FERRIS_ARITHMETIC_OVERFLOW/)
    expect(text('+', dbl(Number.POSITIVE_INFINITY), dbl(1))).toBe('Infinity')
  })

  it('overflows a decimal that needs more than 38 digits', () => {
    const max = dec('9'.repeat(38), 38, 0)
    expect(text('+', max, int(1))).toMatch(
      /^error FERRIS_ARITHMETIC_OVERFLOW: Arithmetic overflow: 9{38} \+ 1 does not fit in DECIMAL\(38, 0\)/,
    )
  })

  it.each(
    titled(
      [
        ['/', int(1), int(0)],
        ['%', int(1), int(0)],
        ['/', big(1), big(0)],
        ['%', big(5), int(0)],
        ['/', dec('1.5'), dec('0.0')],
        ['%', dec('1.5'), int(0)],
        ['/', dbl(1), dbl(0)],
        ['/', dbl(0), dbl(0)],
      ] as const,
      ([o, a, b]) => `${label(a)} ${o} ${label(b)} is a division by zero`,
    ),
  )('%s', (_, o, a, b) => {
    expect(text(o, a, b)).toMatch(/^error FERRIS_DIVISION_BY_ZERO: Division by zero: /)
  })

  it('refuses operands that are not numbers at bind time, with a hint', () => {
    expect(bindError(() => bindArithmetic('+', [T.string, T.int32]))).toBe(
      'FERRIS_SQL_SEMANTIC: Operator + cannot be applied to STRING and INT',
    )
    expect(bindError(() => bindArithmetic('*', [T.boolean, T.boolean]))).toMatch(
      /cannot be applied to BOOLEAN and BOOLEAN/,
    )
    expect(bindError(() => bindArithmetic('+', [T.int32]))).toMatch(/takes 2 operands, but 1 were given/)
  })
})

describe('functions: unary minus', () => {
  const neg = (a: Arg) => evalWith((t) => bindNegate(t), [a]).text
  it('negates every numeric type and intervals', () => {
    expect(neg(int(5))).toBe('-5')
    expect(neg(int(0))).toBe('0')
    expect(neg(big('-9223372036854775807'))).toBe('9223372036854775807')
    expect(neg(dec('-1.50'))).toBe('1.50')
    expect(neg(dbl(2.5))).toBe('-2.5')
    expect(neg(interval(1, 2, 3_000_000_000n))).toBe('P-1M-2DT-3S')
    expect(neg(NULL)).toBe('NULL')
  })
  it('overflows on the smallest INT and BIGINT', () => {
    expect(neg(int(-2147483648))).toMatch(/^error FERRIS_ARITHMETIC_OVERFLOW: Arithmetic overflow: -\(-2147483648\)/)
    expect(neg(big('-9223372036854775808'))).toMatch(/^error FERRIS_ARITHMETIC_OVERFLOW/)
  })
  it('refuses strings', () => {
    expect(bindError(() => bindNegate([T.string]))).toMatch(/Unary minus cannot be applied to STRING/)
  })
})

describe('functions: date and time arithmetic', () => {
  it.each(
    titled(
      [
        ['+', date('2024-02-28'), int(2), '2024-03-01', 'DATE'],
        ['-', date('2024-03-01'), big(1), '2024-02-29', 'DATE'],
        ['+', int(7), date('2024-01-01'), '2024-01-08', 'DATE'],
        ['-', date('2024-03-01'), date('2024-02-01'), '29', 'INT'],
        ['+', date('2024-01-31'), interval(1, 0), '2024-02-29T00:00:00.000000', 'TIMESTAMP(6)'],
        ['-', date('2024-01-01'), interval(0, 0, 3_600_000_000_000n), '2023-12-31T23:00:00.000000', 'TIMESTAMP(6)'],
        ['+', date('2024-01-01'), time('10:30:00'), '2024-01-01T10:30:00.000000000', 'TIMESTAMP(9)'],
        ['+', ts('2024-01-31 10:00:00'), interval(1, 0), '2024-02-29T10:00:00.000000', 'TIMESTAMP(6)'],
        ['+', ts('2023-01-31 10:00:00'), interval(1, 0), '2023-02-28T10:00:00.000000', 'TIMESTAMP(6)'],
        ['-', ts('2024-03-31 00:00:00'), interval(1, 1, 1000n), '2024-02-27T23:59:59.999999', 'TIMESTAMP(6)'],
        ['+', interval(0, 1), ts('2024-12-31 23:00:00'), '2025-01-01T23:00:00.000000', 'TIMESTAMP(6)'],
        ['-', ts('2024-01-02 03:00:00'), ts('2024-01-01 00:00:00'), 'P1DT10800S', 'INTERVAL'],
        ['-', ts('2024-01-01 00:00:00'), ts('2024-01-02 03:00:00.5'), 'P-1DT-10800.5S', 'INTERVAL'],
        ['+', time('23:30:00'), interval(0, 0, 3_600_000_000_000n), '00:30:00.000000000', 'TIME(9)'],
        ['-', time('10:00:00'), time('09:30:00'), 'PT1800S', 'INTERVAL'],
        ['+', interval(1, 2, 3n), interval(1, 1, 1n), 'P2M3DT0.000000004S', 'INTERVAL'],
        ['*', interval(1, 2, 1_000_000_000n), int(3), 'P3M6DT3S', 'INTERVAL'],
      ] as const,
      ([o, a, b, e]) => `${label(a)} ${o} ${label(b)} = ${e}`,
    ),
  )('%s', (_, o, a, b, expected, resultType) => {
    expect(text(o, a, b)).toBe(expected)
    expect(type(o, a, b)).toBe(resultType)
  })

  it('adds calendar days across a DST change keeping the wall clock, and hours exactly (PostgreSQL timestamptz)', () => {
    // PostgreSQL 15, TimeZone America/New_York:
    //   '2018-03-10 02:30'::timestamptz + interval '1 day'  = 2018-03-11 03:30:00-04 (02:30 does not exist)
    //   '2018-03-10 12:00'::timestamptz + interval '24 hours' = 2018-03-11 13:00:00-04
    //   '2018-11-03 01:30'::timestamptz + interval '1 day'  = 2018-11-04 01:30:00-05 (the later 01:30)
    const ny = 'America/New_York'
    expect(text('+', tstz('2018-03-10 02:30', ny), interval(0, 1))).toBe('2018-03-11T03:30:00.000000-04:00')
    expect(text('+', tstz('2018-03-10 12:00', ny), interval(0, 0, 24n * 3_600_000_000_000n))).toBe(
      '2018-03-11T13:00:00.000000-04:00',
    )
    expect(text('+', tstz('2018-11-03 01:30', ny), interval(0, 1))).toBe('2018-11-04T01:30:00.000000-05:00')
    expect(text('+', tstz('2018-03-10 12:00', ny), interval(0, 1))).toBe('2018-03-11T12:00:00.000000-04:00')
  })

  it('refuses timestamp + timestamp and date + string', () => {
    expect(bindError(() => bindArithmetic('+', [T.timestamp(), T.timestamp()]))).toMatch(
      /cannot be applied to TIMESTAMP\(6\) and TIMESTAMP\(6\)/,
    )
    expect(bindError(() => bindArithmetic('+', [T.date, T.string]))).toMatch(/cannot be applied to DATE and STRING/)
  })

  it('keeps dates in range', () => {
    expect(text('+', date('2024-01-01'), big('9000000000'))).toMatch(
      /^error FERRIS_ARITHMETIC_OVERFLOW: Date out of range/,
    )
  })

  it('suggests || when a string meets arithmetic', () => {
    const error = (() => {
      try {
        bindArithmetic('-', [str('x').type, T.int32])
      } catch (e) {
        return e as { context: { hint: string } }
      }

      return undefined
    })()
    expect(error?.context.hint).toMatch(/use \|\| to concatenate strings/)
  })
})
