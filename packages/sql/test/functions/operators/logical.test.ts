import { type DataType, T, type Value } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import {
  bindAnd,
  bindBetween,
  bindInList,
  bindIsBoolean,
  bindIsNull,
  bindNot,
  bindOr,
} from '../../../src/functions/index.js'
import {
  type Arg,
  big,
  bindError,
  bool,
  date,
  dbl,
  dec,
  evalLiterals,
  evalWith,
  int,
  label,
  NULL,
  str,
  titled,
  ts,
} from '../harness.js'

const and = (...a: Arg[]) => evalWith((t) => bindAnd(t), a).text
const or = (...a: Arg[]) => evalWith((t) => bindOr(t), a).text
const not = (a: Arg) => evalWith((t) => bindNot(t), [a]).text
const T_ = bool(true)
const F_ = bool(false)
const N_ = { type: T.boolean, value: null }

describe('functions: three-valued logic', () => {
  // The truth tables of the SQL standard (and PostgreSQL).
  it.each(
    titled(
      [
        [T_, T_, 'true', 'true'],
        [T_, F_, 'false', 'true'],
        [T_, N_, 'NULL', 'true'],
        [F_, F_, 'false', 'false'],
        [F_, N_, 'false', 'NULL'],
        [N_, F_, 'false', 'NULL'],
        [N_, T_, 'NULL', 'true'],
        [N_, N_, 'NULL', 'NULL'],
        [NULL, F_, 'false', 'NULL'],
      ] as const,
      ([a, b, x, y]) => `${label(a)} AND/OR ${label(b)} = ${x}/${y}`,
    ),
  )('%s', (_, a, b, andResult, orResult) => {
    expect(and(a, b)).toBe(andResult)
    expect(or(a, b)).toBe(orResult)
  })

  it('flattens n-ary AND and OR', () => {
    expect(and(T_, N_, F_)).toBe('false')
    expect(and(T_, N_, T_)).toBe('NULL')
    expect(or(F_, N_, T_)).toBe('true')
    expect(or(F_, N_, F_)).toBe('NULL')
  })

  it('negates with NOT, NULL staying NULL', () => {
    expect(not(T_)).toBe('false')
    expect(not(F_)).toBe('true')
    expect(not(N_)).toBe('NULL')
  })

  it('requires booleans, naming the operand', () => {
    expect(bindError(() => bindAnd([T.boolean, T.int32]))).toBe(
      'FERRIS_SQL_SEMANTIC: AND: operand 2 has type INT, but BOOLEAN is required',
    )
    expect(bindError(() => bindNot([T.string]))).toMatch(/NOT: operand 1 has type STRING/)
    expect(bindError(() => bindOr([T.boolean]))).toMatch(/OR takes at least two operands/)
  })

  it('tests IS [NOT] NULL and IS [NOT] TRUE/FALSE without returning NULL', () => {
    expect(evalWith((t) => bindIsNull(t), [NULL]).text).toBe('true')
    expect(evalWith((t) => bindIsNull(t), [str('')]).text).toBe('false')
    expect(evalWith((t) => bindIsNull(t, true), [int(0)]).text).toBe('true')
    expect(evalWith((t) => bindIsBoolean(t, true), [N_]).text).toBe('false')
    expect(evalWith((t) => bindIsBoolean(t, false, true), [N_]).text).toBe('true')
    expect(evalWith((t) => bindIsBoolean(t, false), [F_]).text).toBe('true')
  })
})

describe('functions: BETWEEN', () => {
  const between = (x: Arg, lo: Arg, hi: Arg, options = {}) =>
    evalWith((t, l) => bindBetween(t, l, options), [x, lo, hi]).text
  it.each(
    titled(
      [
        [int(2), int(1), int(3), {}, 'true'],
        [int(1), int(1), int(3), {}, 'true'],
        [int(4), int(1), int(3), {}, 'false'],
        [int(2), int(3), int(1), {}, 'false'],
        [int(2), int(3), int(1), { symmetric: true }, 'true'],
        [int(2), int(1), int(3), { negated: true }, 'false'],
        [dec('2.5'), int(2), big(3), {}, 'true'],
        [dbl(0.5), int(0), dec('0.5'), {}, 'true'],
        [str('b'), str('a'), str('c'), {}, 'true'],
        [date('2024-02-29'), date('2024-02-01'), date('2024-03-01'), {}, 'true'],
        // NULL rules (PostgreSQL): 5 BETWEEN NULL AND 3 is false, 2 BETWEEN 1 AND NULL is NULL
        [int(5), NULL, int(3), {}, 'false'],
        [int(2), int(1), NULL, {}, 'NULL'],
        [int(2), int(3), NULL, { negated: true }, 'true'],
        [NULL, int(1), int(3), {}, 'NULL'],
      ] as const,
      ([x, lo, hi, o, e]) => `${label(x)} ${JSON.stringify(o)} BETWEEN ${label(lo)} AND ${label(hi)} = ${e}`,
    ),
  )('%s', (_, x, lo, hi, options, expected) => {
    expect(between(x, lo, hi, options)).toBe(expected)
  })
  it('reads string bounds as timestamps', () => {
    const fn = (t: readonly DataType[], l: readonly (Value | undefined)[]) => bindBetween(t, l)
    expect(evalLiterals(fn, [ts('2024-01-01 12:00'), str('2024-01-01'), str('2024-01-02')])).toBe('true')
    expect(evalLiterals(fn, [ts('2024-01-03 12:00'), str('2024-01-01'), str('2024-01-02')])).toBe('false')
  })
  it('refuses bounds that do not compare', () => {
    expect(bindError(() => bindBetween([T.int32, T.boolean, T.int32]))).toMatch(
      /Cannot compare INT with BOOLEAN in BETWEEN/,
    )
  })
})

describe('functions: IN (list)', () => {
  const isIn = (x: Arg, ...items: Arg[]) => evalWith((t, l) => bindInList(t, l), [x, ...items]).text
  const notIn = (x: Arg, ...items: Arg[]) => evalWith((t, l) => bindInList(t, l, true), [x, ...items]).text
  it('finds values, with SQL NULL rules', () => {
    expect(isIn(int(1), int(1), int(2))).toBe('true')
    expect(isIn(int(3), int(1), int(2))).toBe('false')
    expect(isIn(int(2), int(1), NULL)).toBe('NULL') // PostgreSQL: 2 IN (1, NULL) is NULL
    expect(isIn(int(1), int(1), NULL)).toBe('true')
    expect(isIn(NULL, int(1))).toBe('NULL')
    expect(notIn(int(2), int(1), NULL)).toBe('NULL')
    expect(notIn(int(3), int(1), int(2))).toBe('true')
    expect(notIn(int(1), int(1), int(2))).toBe('false')
  })
  it('compares across numeric types exactly', () => {
    expect(isIn(big('9007199254740993'), int(1), big('9007199254740993'))).toBe('true')
    expect(isIn(big(2), int(1), int(2))).toBe('true')
    expect(isIn(int(2), dec('2.0'), dec('3.5'))).toBe('true')
    expect(isIn(int(2), dec('2.5'))).toBe('false')
    expect(isIn(dec('2.50'), int(1), dec('2.5'))).toBe('true')
    expect(isIn(dbl(0.5), dec('0.5'))).toBe('true')
    expect(isIn(str('😀'), str('a'), str('😀'))).toBe('true')
    expect(isIn(ts('2024-01-01 00:00'), date('2024-01-01'))).toBe('true')
    const literalList = [date('2024-01-02'), str('2024-01-01'), str('2024-01-02')]
    expect(evalLiterals((t, l) => bindInList(t, l), literalList)).toBe('true')
  })
  it('refuses an item of an incomparable type, naming it', () => {
    expect(bindError(() => bindInList([T.int32, T.int32, T.string], []))).toBe(
      'FERRIS_SQL_SEMANTIC: IN: item 2 has type STRING, which cannot be compared with INT',
    )
  })
})

describe('functions: IN (list) across temporal types', () => {
  it('matches a DATE against TIMESTAMP items and a TIMESTAMP against DATE items', () => {
    const isIn = (x: Arg, ...items: Arg[]) => evalWith((t, l) => bindInList(t, l), [x, ...items]).text
    expect(isIn(date('2024-01-01'), ts('2024-01-01 00:00'), ts('2024-01-02 00:00'))).toBe('true')
    expect(isIn(date('2024-01-01'), ts('2024-01-01 00:00:01'))).toBe('false')
    expect(isIn(ts('2024-01-02 00:00'), date('2024-01-01'), date('2024-01-02'))).toBe('true')
  })
})
