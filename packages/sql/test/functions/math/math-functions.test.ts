import { T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { defaultFunctions } from '../../../src/functions/index.js'
import { type Arg, big, bindError, call, dbl, dec, int, NULL, nullOf, str, titled, typeOf } from '../harness.js'

const describeCall = (name: string, args: readonly Arg[]) =>
  `${name}(${args.map((a) => (a.value === null ? 'NULL' : String(a.value))).join(', ')})`

/** [function, arguments, expected, result type]; expectations are PostgreSQL 15's unless a comment says otherwise. */
const cases: ReadonlyArray<readonly [string, readonly Arg[], string, string?]> = [
  ['ABS', [int(-5)], '5', 'INT'],
  ['ABS', [big('-9223372036854775807')], '9223372036854775807', 'BIGINT'],
  ['ABS', [dec('-2.50')], '2.50', 'DECIMAL(3, 2)'],
  ['ABS', [dbl(-0)], '0', 'DOUBLE'],
  ['ABS', [nullOf(T.int32)], 'NULL'],
  [
    'ABS',
    [int(-2147483648)],
    'error FERRIS_ARITHMETIC_OVERFLOW: Arithmetic overflow: ABS(-2147483648) does not fit in INT',
  ],
  [
    'ABS',
    [big('-9223372036854775808')],
    'error FERRIS_ARITHMETIC_OVERFLOW: Arithmetic overflow: ABS(-9223372036854775808)',
  ],
  ['ROUND', [dec('2.5')], '3', 'DECIMAL(2, 0)'],
  ['ROUND', [dec('-2.5')], '-3'],
  ['ROUND', [dec('-0.4')], '0'],
  ['ROUND', [dec('99.5')], '100', 'DECIMAL(3, 0)'],
  ['ROUND', [dec('1234.5678'), int(2)], '1234.57', 'DECIMAL(7, 2)'],
  ['ROUND', [dec('2.675'), int(2)], '2.68'],
  ['ROUND', [dec('1.45'), int(1)], '1.5'],
  ['ROUND', [int(1250), int(-2)], '1300', 'INT'],
  ['ROUND', [int(-1250), int(-2)], '-1300'],
  ['ROUND', [dec('-999.5'), int(-3)], '-1000', 'DECIMAL(4, 0)'],
  ['ROUND', [dec('1.2345'), int(10)], '1.2345'], // PostgreSQL widens to 1.2345000000; the scale stays here
  ['ROUND', [big('9223372036854775807'), int(-1)], 'error FERRIS_ARITHMETIC_OVERFLOW'],
  ['ROUND', [int(7)], '7'],
  // Doubles round half away from zero too (PostgreSQL's float8 round is half-even: round(2.5::float8) = 2).
  ['ROUND', [dbl(2.5)], '3', 'DOUBLE'],
  ['ROUND', [dbl(-2.5)], '-3'],
  ['ROUND', [dbl(2.675), int(2)], '2.68'], // through the shortest decimal, not the binary 2.67499999...
  ['ROUND', [dbl(1234.5), int(-2)], '1200'],
  ['ROUND', [dbl(Number.NaN)], 'NaN'],
  ['ROUND', [dec('1.5'), nullOf(T.int32)], 'NULL'],
  ['FLOOR', [dec('-1.5')], '-2', 'DECIMAL(2, 0)'],
  ['CEIL', [dec('-1.5')], '-1'],
  ['CEIL', [dec('9.5')], '10', 'DECIMAL(2, 0)'],
  ['CEILING', [dec('0.01')], '1'],
  ['FLOOR', [int(7)], '7', 'INT'],
  ['FLOOR', [big(-7)], '-7', 'BIGINT'],
  ['FLOOR', [dbl(-0.5)], '-1', 'DOUBLE'],
  ['CEIL', [dbl(-0.5)], '-0'],
  ['POWER', [int(2), int(10)], '1024', 'DOUBLE'],
  ['POWER', [int(2), int(-1)], '0.5'],
  ['POW', [dec('1.5'), int(2)], '2.25'],
  ['POWER', [int(0), int(-1)], 'error FERRIS_EVALUATION: POWER(0, -1): zero raised to a negative power is undefined'],
  [
    'POWER',
    [int(-8), dbl(1 / 3)],
    'error FERRIS_EVALUATION: POWER(-8, 0.3333333333333333): a negative number raised to a non-integer power',
  ],
  ['POWER', [int(10), int(400)], 'error FERRIS_ARITHMETIC_OVERFLOW'],
  ['SQRT', [int(2)], '1.4142135623730951', 'DOUBLE'],
  ['SQRT', [dec('0.25')], '0.5'],
  ['SQRT', [int(-1)], 'error FERRIS_EVALUATION: SQRT(-1): cannot take the square root of a negative number'],
  ['MOD', [int(-7), int(3)], '-1', 'INT'],
  ['MOD', [dec('7.5'), int(2)], '1.5'],
  ['MOD', [big(7), int(0)], 'error FERRIS_DIVISION_BY_ZERO'],
  ['SIGN', [int(-3)], '-1', 'INT'],
  ['SIGN', [dec('0.0')], '0', 'DECIMAL(1, 0)'],
  ['SIGN', [dbl(2.5)], '1', 'DOUBLE'],
  ['SIGN', [big('-9223372036854775808')], '-1', 'BIGINT'],
  ['LN', [dbl(Math.E)], '1', 'DOUBLE'],
  ['LN', [int(0)], 'error FERRIS_EVALUATION: LN(0): cannot take the logarithm of zero'],
  ['LN', [int(-1)], 'error FERRIS_EVALUATION: LN(-1): cannot take the logarithm of a negative number'],
  ['LOG10', [int(1000)], '3'],
  ['LOG', [int(100)], '2'],
  ['EXP', [int(0)], '1'],
  ['EXP', [int(1000)], 'error FERRIS_ARITHMETIC_OVERFLOW: Arithmetic overflow: EXP(1000) does not fit in DOUBLE'],
  ['EXP', [NULL], 'NULL'],
]

describe('functions: math functions', () => {
  it.each(titled(cases, ([name, args, e]) => `${describeCall(name, args)} = ${e}`))(
    '%s',
    (_, name, args, expected, type) => {
      const out = call(name, ...args)
      if (expected.startsWith('error ')) expect(out.startsWith(expected), out).toBe(true)
      else expect(out).toBe(expected)
      if (type !== undefined) expect(typeOf(name, ...args)).toBe(type)
    },
  )

  it('rejects non-numeric arguments at bind time', () => {
    const fns = defaultFunctions()
    expect(bindError(() => fns.resolve('ABS').bind([T.string], []))).toBe(
      'FERRIS_SQL_SEMANTIC: ABS: argument 1 has type STRING, but a number (INT, BIGINT, DECIMAL or DOUBLE) is required',
    )
    expect(bindError(() => fns.resolve('ROUND').bind([T.float64, T.float64], []))).toMatch(
      /ROUND: argument 2 has type DOUBLE, but an integer number of digits is required/,
    )
    expect(bindError(() => fns.resolve('MOD').bind([T.int32, T.string], []))).toMatch(/MOD: argument 2 has type STRING/)
    expect(bindError(() => fns.resolve('POWER').bind([T.int32], []))).toBe(
      'FERRIS_SQL_SEMANTIC: POWER takes 2 arguments, but 1 was given',
    )
    expect(bindError(() => fns.resolve('SQRT').bind([T.date], []))).toMatch(/SQRT: argument 1 has type DATE/)
    void str
  })
})
