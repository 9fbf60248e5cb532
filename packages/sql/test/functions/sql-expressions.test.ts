import { Decimal, isFerrisError, type RecordMeta, type Row, Schema, T, type Value } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { ExpressionBinder } from '../../src/analyzer/bind-expression.js'
import { defaultLibrary } from '../../src/analyzer/default-library.js'
import { compileExpression } from '../../src/execution/compile-expression.js'
import { parseExpression } from '../../src/parser/parser.js'
import { SourceText } from '../../src/parser/source-text.js'

/**
 * The library as queries reach it: SQL text through the parser's special syntax (EXTRACT ... FROM,
 * POSITION ... IN, SUBSTRING ... FROM ... FOR, TRIM ... FROM), the analyzer and the compiled expression.
 */
const schema = Schema.of(
  ['s', T.string],
  ['n', T.int32],
  ['big', T.int64],
  ['amount', T.decimal(10, 2)],
  ['ts', T.timestamp('us')],
  ['tz', T.timestamp('us', 'America/New_York')],
  ['doc', T.string],
  ['nothing', T.int32],
)
const row: Row = [
  'xxHello😀xx',
  -7,
  9223372036854775807n,
  new Decimal(123456n, 2),
  1709993107500000n * 1000n, // 2024-03-09T14:05:07.5
  1710072000000000n * 1000n, // 2024-03-10T12:00:00Z = 08:00 in New York
  '{"id": 12345678901234567890, "tags": ["a", "b"]}',
  null,
]
const meta: RecordMeta = { headers: [{ key: 'trace', value: new TextEncoder().encode('t-1') }] }

function evaluate(sql: string): Value {
  const source = new SourceText(sql)
  const bound = new ExpressionBinder(source, defaultLibrary({ timeZone: 'UTC' })).bind(parseExpression(source), {
    schema,
    qualifiers: ['t'],
  })

  return compileExpression(bound, { queryStartNanos: 0n, timeZone: 'UTC' })(row, meta)
}

function failure(sql: string): string {
  try {
    evaluate(sql)
  } catch (error) {
    if (isFerrisError(error)) return `${error.code}: ${error.message}`
    throw error
  }

  return 'no error'
}

describe('functions: SQL expressions end to end', () => {
  it.each([
    ['EXTRACT(YEAR FROM ts)', 2024],
    ['EXTRACT(HOUR FROM tz)', 8],
    ["DATE_PART('dow', ts)", 6],
    ["POSITION('😀' IN s)", 8],
    ['SUBSTRING(s FROM 3 FOR 5)', 'Hello'],
    ["TRIM(BOTH 'x' FROM s)", 'Hello😀'],
    ["TRIM(LEADING 'x' FROM s)", 'Hello😀xx'],
    ["TRIM(TRAILING 'x' FROM s)", 'xxHello😀'],
    ['LENGTH(s)', 10],
    ["s LIKE 'xx%'", true],
    ["'a_c' LIKE 'a#_c' ESCAPE '#'", true],
    ['n IN (1, NULL)', null],
    ['n IN (-7, NULL)', true],
    ['ABS(n) + 1', 8],
    ['ROUND(amount, 1)', new Decimal(12346n, 1)],
    ['CAST(amount AS INT)', 1235],
    ["TRY_CAST('x' AS INT)", null],
    ["JSON_VALUE(doc, '$.id')", '12345678901234567890'],
    ["JSON_QUERY(doc, '$.tags')", '["a","b"]'],
    ["HEADER('trace')", 't-1'],
    ["DATE_FORMAT(ts, '%Y/%m/%d %H:%M')", '2024/03/09 14:05'],
    ["DATEDIFF('day', ts, tz)", 1n],
    ["EXTRACT(DAY FROM DATEADD('day', 1, ts))", 10],
    ["ts < '2024-03-10'", true],
    ['COALESCE(nothing, n)', -7],
    ['GREATEST(n, nothing, 3)', 3],
  ] as const)('%s', (sql, expected) => {
    const out = evaluate(sql)
    if (out instanceof Decimal) expect(out.equals(expected as Decimal)).toBe(true)
    else expect(out).toEqual(expected)
  })

  it('raises the row errors the SQL standard asks for', () => {
    expect(failure('big + 1')).toMatch(
      /^FERRIS_ARITHMETIC_OVERFLOW: Arithmetic overflow: 9223372036854775807 \+ 1 does not fit in BIGINT/,
    )
    expect(failure('n / 0')).toMatch(/^FERRIS_DIVISION_BY_ZERO/)
    expect(failure('CAST(s AS INT)')).toMatch(/^FERRIS_TYPE_CONVERSION: Cannot read "xxHello😀xx" as INT/)
  })

  it('points plan-time errors at the text', () => {
    expect(failure('UPPER(n)')).toMatch(/UPPER: argument 1 has type INT, but STRING is required/)
    expect(failure('SUBSTRING(s)')).toMatch(/SUBSTRING takes 2 to 3 arguments, but 1 was given/)
    expect(failure('EXTRACT(FORTNIGHT FROM ts)')).toMatch(/'FORTNIGHT' is not a unit EXTRACT accepts/)
    expect(failure("CAST('abc' AS INT)")).toMatch(/CAST\('abc' AS INT\) fails/)
  })
})
