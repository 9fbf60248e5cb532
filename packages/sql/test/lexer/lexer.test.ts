import { describe, expect, it } from 'vitest'
import { tokenize } from '../../src/lexer/lexer.js'
import { SourceText } from '../../src/parser/source-text.js'

const kinds = (sql: string) => tokenize(new SourceText(sql)).map((t) => `${t.kind}:${t.value}`)

describe('lexer', () => {
  it.each([
    ['SELECT a', ['identifier:SELECT', 'identifier:a', 'eof:']],
    ['"Quoted ""x"""', ['quoted_identifier:Quoted "x"', 'eof:']],
    ['`back`', ['quoted_identifier:back', 'eof:']],
    ["'it''s'", ["string:it's", 'eof:']],
    ["E'a\\nb\\u00e9'", ['string:a\nbé', 'eof:']],
    [
      '12 1.5 .5 1e3 2.5E-2 1_000',
      ['integer:12', 'decimal:1.5', 'decimal:.5', 'float:1e3', 'float:2.5E-2', 'integer:1000', 'eof:'],
    ],
    ['5m 30s 100ms 2h 1d', ['duration:5m', 'duration:30s', 'duration:100ms', 'duration:2h', 'duration:1d', 'eof:']],
    [
      'a<=b<>c!=d||e::f',
      [
        'identifier:a',
        'operator:<=',
        'identifier:b',
        'operator:<>',
        'identifier:c',
        'operator:!=',
        'identifier:d',
        'operator:||',
        'identifier:e',
        'operator:::',
        'identifier:f',
        'eof:',
      ],
    ],
    ['a -- comment\n/* block\n comment */ b', ['identifier:a', 'identifier:b', 'eof:']],
    ['\'über\' "日本"', ['string:über', 'quoted_identifier:日本', 'eof:']],
  ])('tokenizes %s', (sql, expected) => {
    expect(kinds(sql)).toEqual(expected)
  })

  it.each([
    ["SELECT 'abc", /Unterminated string at line 1, column 8/],
    ['SELECT /* never closed', /Unterminated comment at line 1, column 8/],
    ['SELECT "abc', /Unterminated quoted identifier/],
    ['SELECT 5x', /Malformed number "5x".*line 1, column 8/],
    ['SELECT a # b', /Unexpected character "#" at line 1, column 10/],
    ["SELECT E'\\q'", /Unknown escape "\\q"/],
  ])('rejects %s', (sql, message) => {
    expect(() => tokenize(new SourceText(sql))).toThrow(message)
  })

  it('keeps offsets of every token', () => {
    const [a, b] = tokenize(new SourceText('  ab\n  cd'))
    expect([a!.start, a!.end, b!.start, b!.end]).toEqual([2, 4, 7, 9])
  })
})
