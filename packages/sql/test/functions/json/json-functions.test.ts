import { T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { defaultFunctions } from '../../../src/functions/index.js'
import { bindError, call, NULL, nullOf, run, str, titled } from '../harness.js'

const DOC = JSON.stringify({
  user: { id: 42, name: 'Zoë 😀', tags: ['a', 'b'], active: true, manager: null },
  'odd key': { 'a.b': 1 },
  items: [{ id: 1 }, { id: 2.5 }, { sku: 'x' }],
  empty: {},
})
// A 64-bit id and a long decimal must come out digit for digit, not through a double.
const BIG = '{"id": 12345678901234567890, "amount": 0.1000000000000000055511151231257827, "neg": -9223372036854775808}'

const cases: ReadonlyArray<readonly [string, string, string, string]> = [
  ['JSON_VALUE', DOC, '$.user.id', '42'],
  ['JSON_VALUE', DOC, '$.user.name', 'Zoë 😀'],
  ['JSON_VALUE', DOC, '$.user.tags[1]', 'b'],
  ['JSON_VALUE', DOC, '$.user.active', 'true'],
  ['JSON_VALUE', DOC, '$.user.manager', 'NULL'], // JSON null is SQL NULL
  ['JSON_VALUE', DOC, '$.user', 'NULL'], // an object is not a scalar
  ['JSON_VALUE', DOC, '$.user.tags', 'NULL'],
  ['JSON_VALUE', DOC, '$.user.missing', 'NULL'],
  ['JSON_VALUE', DOC, '$.user.tags[5]', 'NULL'],
  ['JSON_VALUE', DOC, '$.user.tags[*]', 'NULL'], // several items
  ['JSON_VALUE', DOC, "$['odd key']['a.b']", '1'],
  ['JSON_VALUE', DOC, '$."odd key"."a.b"', '1'],
  ['JSON_VALUE', DOC, '$.items[1].id', '2.5'],
  ['JSON_VALUE', DOC, 'lax $.user.id', '42'],
  ['JSON_VALUE', DOC, '$.constructor', 'NULL'], // no prototype members
  ['JSON_VALUE', BIG, '$.id', '12345678901234567890'],
  ['JSON_VALUE', BIG, '$.amount', '0.1000000000000000055511151231257827'],
  ['JSON_VALUE', BIG, '$.neg', '-9223372036854775808'],
  ['JSON_VALUE', '"just a string"', '$', 'just a string'],
  ['JSON_VALUE', '{not json', '$.a', 'NULL'], // NULL ON ERROR
  ['JSON_VALUE', '', '$', 'NULL'],
  ['JSON_QUERY', DOC, '$.user.tags', '["a","b"]'],
  ['JSON_QUERY', DOC, '$.user.id', '42'],
  ['JSON_QUERY', DOC, '$.empty', '{}'],
  ['JSON_QUERY', DOC, '$.items[*].id', '[1,2.5]'],
  ['JSON_QUERY', DOC, '$.items[0]', '{"id":1}'],
  ['JSON_QUERY', DOC, '$.user.tags[*]', '["a","b"]'],
  ['JSON_QUERY', DOC, '$.nothing[*]', 'NULL'],
  ['JSON_QUERY', DOC, '$.user.manager', 'null'],
  ['JSON_QUERY', DOC, '$.user.missing', 'NULL'],
  [
    'JSON_QUERY',
    BIG,
    '$',
    '{"id":12345678901234567890,"amount":0.1000000000000000055511151231257827,"neg":-9223372036854775808}',
  ],
  ['JSON_QUERY', '[1, [2, 3]]', '$[1]', '[2,3]'],
  ['JSON_QUERY', '{"a": "x\\"y"}', '$.a', '"x\\"y"'],
  ['JSON_QUERY', 'nope', '$', 'NULL'],
  ['JSON_EXISTS', DOC, '$.user.tags[0]', 'true'],
  ['JSON_EXISTS', DOC, '$.user.manager', 'true'],
  ['JSON_EXISTS', DOC, '$.user.tags[2]', 'false'],
  ['JSON_EXISTS', DOC, '$.items[*].sku', 'true'],
  ['JSON_EXISTS', DOC, '$.items[*].price', 'false'],
  ['JSON_EXISTS', '{oops', '$', 'false'], // FALSE ON ERROR
]

describe('functions: JSON functions', () => {
  it.each(titled(cases, ([fn, doc, path, e]) => `${fn}(${doc.slice(0, 20)}…, '${path}') = ${e}`))(
    '%s',
    (_, fn, doc, path, expected) => {
      expect(call(fn, str(doc), str(path))).toBe(expected)
    },
  )

  it('gives NULL for NULL arguments', () => {
    expect(call('JSON_VALUE', NULL, str('$.a'))).toBe('NULL')
    expect(call('JSON_EXISTS', str('{}'), nullOf(T.string))).toBe('NULL')
  })

  it('refuses a malformed constant path at bind time, and a column one when evaluated', () => {
    const fns = defaultFunctions()
    expect(bindError(() => fns.resolve('JSON_VALUE').bind([T.string, T.string], [undefined, 'a.b']))).toBe(
      "FERRIS_SQL_SEMANTIC: JSON_VALUE: invalid JSON path 'a.b': a path starts with $ at character 1",
    )
    expect(bindError(() => fns.resolve('JSON_QUERY').bind([T.string, T.string], [undefined, '$.a[']))).toMatch(
      /invalid JSON path '\$\.a\[': expected an index, a quoted key or \* inside \[ \]/,
    )
    expect(bindError(() => fns.resolve('JSON_EXISTS').bind([T.string, T.string], [undefined, "$['a"]))).toMatch(
      /unterminated quoted key/,
    )
    expect(bindError(() => fns.resolve('JSON_VALUE').bind([T.int32, T.string], []))).toMatch(
      /JSON_VALUE: argument 1 has type INT, but JSON text \(STRING\) is required/,
    )
    const fn = fns.resolve('JSON_VALUE').bind([T.string, T.string], [])
    expect(bindError(() => run(fn, ['{}', '$..a']))).toMatch(/^FERRIS_EVALUATION: JSON_VALUE: invalid JSON path/)
    expect(run(fn, ['{"a": 1}', '$.a'])).toBe('1')
    expect(run(fn, ['{"b": 2}', '$.b'])).toBe('2')
  })
})
