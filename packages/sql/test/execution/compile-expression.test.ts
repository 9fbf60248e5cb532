import { Decimal, isFerrisError, type RecordMeta, type Row, Schema, T, type Value } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { ExpressionBinder } from '../../src/analyzer/bind-expression.js'
import { defaultLibrary } from '../../src/analyzer/default-library.js'
import { compileExpression } from '../../src/execution/compile-expression.js'
import type { ScalarFunction } from '../../src/functions/function-definition.js'
import { parseExpression } from '../../src/parser/parser.js'
import { SourceText } from '../../src/parser/source-text.js'

const schema = Schema.of(
  ['a', T.int32],
  ['b', T.int32],
  ['s', T.string],
  ['big', T.int64],
  ['d', T.decimal(10, 2)],
  ['p', T.boolean],
  ['q', T.boolean],
)

function evaluate(sql: string, row: Row, meta?: RecordMeta): Value {
  const source = new SourceText(sql)
  const bound = new ExpressionBinder(source, defaultLibrary()).bind(parseExpression(source), {
    schema,
    qualifiers: ['t'],
  })
  const f = compileExpression(bound, { queryStartNanos: 0n, timeZone: 'UTC' })

  return f(row, meta)
}

const row: Row = [7, null, 'Hello', 9007199254740993n, new Decimal(1050n, 2), true, null]

describe('compiled expressions', () => {
  it.each([
    ['a + 1', 8],
    ['a * 3 - 1', 20],
    ['a / 2', 3],
    ['a % 4', 3],
    ['-a', -7],
    ['b + 1', null],
    ['big + 1', 9007199254740994n],
    ['a > 5', true],
    ['a = b', null],
    ["s = 'Hello'", true],
    ["s || ' world'", 'Hello world'],
    ['UPPER(s)', 'HELLO'],
    ['COALESCE(b, a)', 7],
    ['p AND q', null],
    ['NOT p AND q', false],
    ['p OR q', true],
    ['q OR NOT p', null],
    ['q AND FALSE', false],
    ['NOT q', null],
    ['b IS NULL', true],
    ['a IS NOT NULL', true],
    ['b IS DISTINCT FROM NULL', false],
    ['a IS DISTINCT FROM b', true],
    ['a IS NOT DISTINCT FROM 7', true],
    ['a BETWEEN 1 AND 7', true],
    ['a NOT BETWEEN 1 AND 7', false],
    ['b BETWEEN 1 AND 7', null],
    ['a IN (1, 7)', true],
    ['a IN (1, 2)', false],
    ['a IN (1, NULL)', null],
    ['a NOT IN (1, NULL)', null],
    ['a IN (7, NULL)', true],
    ["s LIKE 'He%'", true],
    ["s LIKE 'h%'", false],
    ["s ILIKE 'h_llo'", true],
    ["s NOT LIKE '%x%'", true],
    ["CASE WHEN a > 10 THEN 'big' WHEN a > 5 THEN 'mid' ELSE 'small' END", 'mid'],
    ["CASE WHEN b > 10 THEN 'big' END", null],
    ["CASE a WHEN 7 THEN 'seven' ELSE 'other' END", 'seven'],
    ['CASE WHEN p THEN a ELSE big END', 7n],
    ["CAST('42' AS BIGINT)", 42n],
    ["TRY_CAST('x42' AS INT)", null],
    ['CAST(a AS DECIMAL(5, 1))', new Decimal(70n, 1)],
    ['_offset', 12n],
    ['_key', 'k1'],
    ['_partition', 3],
    ['_timestamp', 1_000_000n],
  ])('%s', (sql, expected) => {
    expect(
      evaluate(sql, row, { key: new TextEncoder().encode('k1'), offset: 12n, partition: 3, timestamp: 1_000_000n }),
    ).toEqual(expected)
  })

  it('keeps decimals exact', () => {
    expect((evaluate('d * 2', row) as Decimal).compare(new Decimal(21n, 0))).toBe(0)
    expect(String(evaluate('d + 0.01', row))).toBe('10.51')
  })

  it('hands the current record metadata to functions that read it', () => {
    const header: ScalarFunction = {
      name: 'TEST_HEADER',
      signature: 'TEST_HEADER(name) → STRING',
      bind: () => ({
        type: T.string,
        readsMeta: true,
        evaluate: (args, ctx) => {
          const h = ctx.meta?.headers?.find((x) => x.key === args[0])
          return h?.value == null ? null : new TextDecoder().decode(h.value)
        },
      }),
    }
    const base = defaultLibrary()
    const library = { ...base, lookupFunction: (n: string) => (n === 'TEST_HEADER' ? header : base.lookupFunction(n)) }
    const source = new SourceText("TEST_HEADER('trace')")
    const bound = new ExpressionBinder(source, library).bind(parseExpression(source), { schema, qualifiers: [] })
    const f = compileExpression(bound, { queryStartNanos: 0n, timeZone: 'UTC' })
    expect(f(row, { headers: [{ key: 'trace', value: new TextEncoder().encode('t-1') }] })).toBe('t-1')
    expect(f(row, undefined)).toBeNull()
  })

  it('refuses a binary key that is not UTF-8 as _key instead of replacing its bytes', () => {
    expect(evaluate('_key', row, { key: new TextEncoder().encode('clé') })).toBe('clé')
    expect(() => evaluate('_key', row, { key: new Uint8Array([0xff, 0xfe]) })).toThrow(
      expect.objectContaining({
        code: 'FERRIS_RECORD_MALFORMED',
        context: expect.objectContaining({ value: '0xfffe' }),
      }),
    )
  })

  it('reads NULL metadata when a record has none', () => {
    expect(evaluate('_key', row)).toBeNull()
    expect(evaluate('_offset IS NULL', row)).toBe(true)
  })

  it.each([
    ['a * 2147483647', 'FERRIS_ARITHMETIC_OVERFLOW'],
    ['big * big', 'FERRIS_ARITHMETIC_OVERFLOW'],
    ['a / 0', 'FERRIS_DIVISION_BY_ZERO'],
    ['CAST(s AS INT)', 'FERRIS_TYPE_CONVERSION'],
  ])('%s fails with %s', (sql, code) => {
    try {
      evaluate(sql, row)
      expect.unreachable()
    } catch (e) {
      expect(isFerrisError(e) && e.code).toBe(code)
    }
  })

  it('does not evaluate later arguments once one is NULL', () => {
    // b is NULL, so a / 0 is never reached
    expect(evaluate('b + a / 0', row)).toBeNull()
  })
})
