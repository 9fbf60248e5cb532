import { describe, expect, it } from 'vitest'
import { objectSet } from '../src/object-set.js'
import { fromPosition, toPosition } from '../src/source/position.js'

describe('[s3] objectSet', () => {
  it('tells keys, prefixes and globs apart', () => {
    expect(objectSet('b-1', 'events/a.csv', 'in')).toEqual({ kind: 'key', bucket: 'b-1', key: 'events/a.csv' })
    expect(objectSet('b-1', 'events/', 'in')).toEqual({ kind: 'prefix', bucket: 'b-1', prefix: 'events/' })
    expect(objectSet('b-1', '', 'in')).toEqual({ kind: 'prefix', bucket: 'b-1', prefix: '' })
    const g = objectSet('b-1', 'events/2024-*/*.parquet', 'in')
    expect(g).toMatchObject({ kind: 'glob', prefix: 'events/' })
    if (g.kind !== 'glob') throw new Error('not a glob')
    expect(g.pattern.test('events/2024-01/x.parquet')).toBe(true)
    expect(g.pattern.test('events/2024-01/sub/x.parquet')).toBe(false)
    expect(g.pattern.test('events/2023-01/x.parquet')).toBe(false)
  })

  it('matches ** at any depth and keys with spaces, +, % and Unicode literally', () => {
    const g = objectSet('b-1', 'a b/**/c+d%e-é?.csv', 'in')
    if (g.kind !== 'glob') throw new Error('not a glob')
    expect(g.prefix).toBe('a b/')
    expect(g.pattern.test('a b/x/y/c+d%e-é1.csv')).toBe(true)
    expect(g.pattern.test('a b/c+d%e-é1.csv')).toBe(true)
    expect(g.pattern.test('a b/x/cxd%e-é1.csv')).toBe(false)
  })

  it('accepts a whole s3:// URI as path and rejects a bucket that disagrees or is invalid', () => {
    expect(objectSet(undefined, 's3://my-bucket/k.csv', 'in')).toEqual({
      kind: 'key',
      bucket: 'my-bucket',
      key: 'k.csv',
    })
    expect(() => objectSet('other', 's3://my-bucket/k.csv', 'in')).toThrow(
      /names bucket "my-bucket" but bucket is "other"/,
    )
    expect(() => objectSet('My_Bucket', 'k', 'in')).toThrow(/not a valid bucket name/)
    expect(() => objectSet(undefined, 'k', 'in')).toThrow(/no bucket given/)
  })
})

describe('[s3] positions', () => {
  it('round-trip through JSON', () => {
    const p = toPosition(
      new Map([
        ['a b/ü.csv', { offset: 120, line: 4, done: false, etag: '"abc"' }],
        ['x.parquet', { offset: 500, line: 1, done: true, unit: 'row' as const }],
      ]),
    )
    const back = fromPosition(JSON.parse(JSON.stringify(p)), 'in')
    expect(back.get('a b/ü.csv')).toEqual({ offset: 120, line: 4, done: false, etag: '"abc"' })
    expect(back.get('x.parquet')).toEqual({ offset: 500, line: 1, done: true, unit: 'row' })
  })

  it('rejects a position of another source with what is expected', () => {
    expect(() => fromPosition({ files: {} }, 'in')).toThrow(/not an S3 source position: "objects" is missing/)
    expect(() => fromPosition({ objects: { k: { offset: -1 } } }, 'in')).toThrow(/"k" has no valid offset/)
  })
})
