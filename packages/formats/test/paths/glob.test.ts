import { describe, expect, it } from 'vitest'
import { GLOB_CHARS, globToRegExp } from '../../src/paths/glob.js'

describe('[formats] globToRegExp', () => {
  it('matches * within one segment and ** at any depth, including none', () => {
    const g = globToRegExp('logs/**/*.jsonl')
    expect(g.test('logs/one.jsonl')).toBe(true)
    expect(g.test('logs/x/y/two.jsonl')).toBe(true)
    expect(g.test('logs/x/skip.csv')).toBe(false)
    expect(globToRegExp('events/2024-*/*.parquet').test('events/2024-01/sub/x.parquet')).toBe(false)
    expect(globToRegExp('a/**').test('a/b/c')).toBe(true)
    expect(globToRegExp('a/**/b').test('a//b')).toBe(true)
  })

  it('matches ?, classes, negated classes and alternatives', () => {
    expect(globToRegExp('f?.csv').test('f1.csv')).toBe(true)
    expect(globToRegExp('f?.csv').test('f/.csv')).toBe(false)
    expect(globToRegExp('f[ab].csv').test('fb.csv')).toBe(true)
    expect(globToRegExp('f[!ab].csv').test('fb.csv')).toBe(false)
    expect(globToRegExp('f[!ab].csv').test('fc.csv')).toBe(true)
    expect(globToRegExp('x[]]y').test('x]y')).toBe(true)
    expect(globToRegExp('*.{jsonl,ndjson}').test('three.ndjson')).toBe(true)
    expect(globToRegExp('*.{jsonl,ndjson}').test('three.json')).toBe(false)
  })

  it('takes spaces, +, %, (, ), !, \\ and Unicode literally', () => {
    const g = globToRegExp('a b/**/c+d%e-é?.csv')
    expect(g.test('a b/x/y/c+d%e-é1.csv')).toBe(true)
    expect(g.test('a b/x/cxd%e-é1.csv')).toBe(false)
    expect(globToRegExp('in/report (1)*.csv').test('in/report (1)-a.csv')).toBe(true)
    expect(globToRegExp('!x*.csv').test('y.csv')).toBe(false)
    expect(globToRegExp('a\\b*').test('a\\bc')).toBe(true)
    expect(globToRegExp('x[y').test('x[y')).toBe(true)
    expect(globToRegExp('x]}y?').test('x]}y!')).toBe(true)
    expect(globToRegExp('?.csv').test('😀.csv')).toBe(true)
  })

  it('refuses a { left open, naming the option and the glob', () => {
    expect(() => globToRegExp('logs/*.{csv,jsonl', 'in.path')).toThrow(
      expect.objectContaining({
        code: 'FERRIS_CONFIG_INVALID',
        context: expect.objectContaining({ subject: 'in.path', value: 'logs/*.{csv,jsonl' }),
      }),
    )
    expect(globToRegExp('a[{]b').test('a{b')).toBe(true)
  })

  it('tells globs from plain names', () => {
    expect(GLOB_CHARS.test('events/a.csv')).toBe(false)
    expect(['a*', 'a?', 'a[b]', 'a{b,c}'].every((p) => GLOB_CHARS.test(p))).toBe(true)
  })
})
