import { T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { defaultFunctions } from '../../../src/functions/index.js'
import { type Arg, big, bindError, bool, call, date, dec, int, NULL, nullOf, str, titled, typeOf } from '../harness.js'

const S = nullOf(T.string)
const describeCall = (name: string, args: readonly Arg[]) =>
  `${name}(${args.map((a) => (a.value === null ? 'NULL' : typeof a.value === 'string' ? `'${a.value}'` : String(a.value))).join(', ')})`

/** Rows of [function, arguments, expected]; the expectations are PostgreSQL 15's answers unless a comment says otherwise. */
const cases: ReadonlyArray<readonly [string, readonly Arg[], string]> = [
  ['UPPER', [str('abc')], 'ABC'],
  ['UPPER', [str('straße')], 'STRAßE'], // one character at a time, as PostgreSQL
  ['UPPER', [str('😀a')], '😀A'],
  ['UPPER', [str('')], ''],
  ['UPPER', [S], 'NULL'],
  ['LOWER', [str('ÀÉÎ')], 'àéî'],
  ['LOWER', [str('İ')], 'İ'], // its lower case is two characters: kept, as PostgreSQL
  ['LCASE', [str('ABC')], 'abc'],
  ['TRIM', [str('  a b  ')], 'a b'],
  ['TRIM', [str('\t a ')], '\t a'], // only spaces by default
  ['TRIM', [str('xxaxx'), str('x')], 'a'],
  ['BTRIM', [str('xyaxy'), str('yx')], 'a'],
  ['LTRIM', [str('xxaxx'), str('x')], 'axx'],
  ['RTRIM', [str('xxaxx'), str('x')], 'xxa'],
  ['LTRIM', [str('  a  ')], 'a  '],
  ['TRIM', [str('😀a😀'), str('😀')], 'a'],
  ['TRIM', [str('   ')], ''],
  ['TRIM', [str('a'), S], 'NULL'],
  ['LENGTH', [str('')], '0'],
  ['LENGTH', [str('héllo')], '5'],
  ['LENGTH', [str('😀')], '1'],
  ['CHAR_LENGTH', [str('😀😀')], '2'],
  ['LENGTH', [S], 'NULL'],
  ['SUBSTRING', [str('hello'), int(2), int(3)], 'ell'],
  ['SUBSTRING', [str('hello'), int(2)], 'ello'],
  ['SUBSTRING', [str('hello'), int(0), int(3)], 'he'],
  ['SUBSTRING', [str('hello'), int(-1), int(3)], 'h'],
  ['SUBSTRING', [str('hello'), int(10)], ''],
  ['SUBSTRING', [str('hello'), int(3), int(0)], ''],
  ['SUBSTRING', [str('😀bc'), int(2), int(1)], 'b'],
  ['SUBSTR', [str('a😀c'), big(2), big(1)], '😀'],
  [
    'SUBSTRING',
    [str('hello'), int(1), int(-1)],
    'error FERRIS_EVALUATION: SUBSTRING: negative length -1 is not allowed',
  ],
  ['SUBSTRING', [str('hello'), nullOf(T.int32)], 'NULL'],
  ['CONCAT', [str('a'), NULL, int(1), dec('2.50')], 'a12.50'],
  ['CONCAT', [NULL], ''],
  ['CONCAT', [str('😀'), str('')], '😀'],
  ['CONCAT', [str('d='), date('2024-01-31')], 'd=2024-01-31'],
  ['CONCAT', [bool(true)], 'true'], // core's canonical text; PostgreSQL writes t
  ['CONCAT_WS', [str('-'), str('a'), NULL, str('b')], 'a-b'],
  ['CONCAT_WS', [S, str('a')], 'NULL'],
  ['REPLACE', [str('aaa'), str('a'), str('bb')], 'bbbbbb'],
  ['REPLACE', [str('abc'), str(''), str('x')], 'abc'],
  ['REPLACE', [str('a$b'), str('$'), str('$$')], 'a$$b'], // no replacement patterns
  ['REPLACE', [str('abc'), S, str('x')], 'NULL'],
  ['POSITION', [str('😀'), str('a😀b')], '2'],
  ['POSITION', [str('z'), str('abc')], '0'],
  ['POSITION', [str(''), str('abc')], '1'],
  ['STRPOS', [str('abc'), str('c')], '3'],
  ['SPLIT_PART', [str('a,b,c'), str(','), int(2)], 'b'],
  ['SPLIT_PART', [str('a,b,c'), str(','), int(4)], ''],
  ['SPLIT_PART', [str('a,b,c'), str(','), int(-1)], 'c'],
  ['SPLIT_PART', [str('a,b,c'), str(','), int(-4)], ''],
  ['SPLIT_PART', [str(''), str(','), int(1)], ''],
  ['SPLIT_PART', [str('abc'), str(''), int(1)], 'abc'],
  ['SPLIT_PART', [str('a::b'), str('::'), int(2)], 'b'],
  ['SPLIT_PART', [str('a'), str(','), int(0)], 'error FERRIS_EVALUATION: SPLIT_PART: field position must not be zero'],
  ['LPAD', [str('hi'), int(5), str('xy')], 'xyxhi'],
  ['LPAD', [str('abc'), int(2)], 'ab'],
  ['LPAD', [str(''), int(3), str('x')], 'xxx'],
  ['LPAD', [str('a'), int(-1)], ''],
  ['LPAD', [str('hi'), int(5), str('')], 'hi'],
  ['LPAD', [str('7'), int(3), str('0')], '007'],
  ['RPAD', [str('hello'), int(3)], 'hel'],
  ['RPAD', [str('ab'), int(5), str('😀')], 'ab😀😀😀'],
  ['RPAD', [str('😀😀'), int(1)], '😀'],
  ['RPAD', [str('a'), int(3)], 'a  '],
  [
    'LPAD',
    [str('a'), int(2_000_000_000)],
    'error FERRIS_EVALUATION: LPAD: requested length 2000000000 is over the limit of 10000000 characters',
  ],
  ['REGEXP_MATCH', [str('foo123bar'), str('(\\d+)')], '["123"]'],
  ['REGEXP_MATCH', [str('foo123bar'), str('\\d+')], '["123"]'],
  ['REGEXP_MATCH', [str('abc'), str('x')], 'NULL'],
  ['REGEXP_MATCH', [str('ABC'), str('b'), str('i')], '["B"]'],
  ['REGEXP_MATCH', [str('a-1'), str('([a-z])-(\\d)')], '["a","1"]'],
  ['REGEXP_MATCH', [str('ab'), str('(a)|(x)')], '["a",null]'],
  ['REGEXP_MATCH', [str('a\nb'), str('a.b')], '["a\\nb"]'], // . matches a newline by default
  ['REGEXP_MATCH', [str('a\nb'), str('a.b'), str('n')], 'NULL'],
  ['REGEXP_MATCH', [str('😀'), str('^.$')], '["😀"]'],
  ['REGEXP_LIKE', [str('abc'), str('^a')], 'true'],
  ['REGEXP_LIKE', [str('abc'), str('^b')], 'false'],
  ['REGEXP_REPLACE', [str('aaa'), str('a'), str('b')], 'baa'],
  ['REGEXP_REPLACE', [str('aaa'), str('a'), str('b'), str('g')], 'bbb'],
  ['REGEXP_REPLACE', [str('John Smith'), str('(\\w+) (\\w+)'), str('\\2, \\1')], 'Smith, John'],
  ['REGEXP_REPLACE', [str('abc'), str('b'), str('[\\&]')], 'a[b]c'],
  ['REGEXP_REPLACE', [str('a.b'), str('\\.'), str('$'), str('g')], 'a$b'],
  ['REGEXP_REPLACE', [str('a1b2'), str('(\\d)'), str('<\\1\\1>'), str('g')], 'a<11>b<22>'],
]

describe('functions: string functions', () => {
  it.each(titled(cases, ([name, args, e]) => `${describeCall(name, args)} = ${e}`))('%s', (_, name, args, expected) => {
    const out = call(name, ...args)
    if (expected.startsWith('error ')) expect(out.startsWith(expected), out).toBe(true)
    else expect(out).toBe(expected)
  })

  it('returns the documented types', () => {
    expect(typeOf('LENGTH', str('a'))).toBe('INT')
    expect(typeOf('POSITION', str('a'), str('b'))).toBe('INT')
    expect(typeOf('REGEXP_MATCH', str('a'), str('b'))).toBe('LIST<STRING>')
    expect(typeOf('CONCAT', int(1))).toBe('STRING')
    expect(typeOf('UPPER', NULL)).toBe('STRING')
  })

  it('checks arity and argument types at bind time, with the signature in the hint', () => {
    const fns = defaultFunctions()
    expect(bindError(() => fns.resolve('UPPER').bind([], []))).toBe(
      'FERRIS_SQL_SEMANTIC: UPPER takes 1 argument, but 0 were given',
    )
    expect(bindError(() => fns.resolve('SUBSTRING').bind([T.string], []))).toBe(
      'FERRIS_SQL_SEMANTIC: SUBSTRING takes 2 to 3 arguments, but 1 was given',
    )
    expect(bindError(() => fns.resolve('LENGTH').bind([T.int32], []))).toBe(
      'FERRIS_SQL_SEMANTIC: LENGTH: argument 1 has type INT, but STRING is required',
    )
    expect(bindError(() => fns.resolve('SUBSTRING').bind([T.string, T.string], []))).toBe(
      'FERRIS_SQL_SEMANTIC: SUBSTRING: argument 2 has type STRING, but an integer (INT or BIGINT) is required',
    )
    expect(bindError(() => fns.resolve('CONCAT').bind([], []))).toMatch(/CONCAT takes at least 1 argument/)
    expect(
      bindError(() => fns.resolve('REGEXP_MATCH').bind([T.string, T.string, T.string], [undefined, 'a', 'q'])),
    ).toMatch(/^FERRIS_SQL_SEMANTIC: REGEXP_MATCH: unknown regular expression flag 'q'/)
    expect(bindError(() => fns.resolve('REGEXP_MATCH').bind([T.string, T.string], [undefined, '(']))).toMatch(
      /^FERRIS_SQL_SEMANTIC: REGEXP_MATCH: invalid regular expression '\('/,
    )
    expect(
      bindError(() => fns.resolve('REGEXP_MATCH').bind([T.string, T.string, T.string], [undefined, 'a', 'g'])),
    ).toMatch(/unknown regular expression flag 'g'/)
  })

  it('reports a bad pattern from a column when the row is evaluated', () => {
    const fn = defaultFunctions().resolve('REGEXP_REPLACE').bind([T.string, T.string, T.string], [])
    expect(bindError(() => fn.evaluate(['x', '(', 'y'], { queryStartNanos: 0n, timeZone: 'UTC' }))).toMatch(
      /^FERRIS_EVALUATION: REGEXP_REPLACE: invalid regular expression '\('/,
    )
  })

  it('puts the signature in an arity error hint', () => {
    try {
      defaultFunctions().resolve('LPAD').bind([T.string], [])
    } catch (error) {
      expect((error as { context: { hint: string } }).context.hint).toBe(
        'call it as LPAD(s STRING, length INT [, fill STRING]) → STRING',
      )
    }
    expect.assertions(1)
  })
})
