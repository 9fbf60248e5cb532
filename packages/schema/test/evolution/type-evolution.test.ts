import { type DataType, Decimal, T, type Value } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { evolveType } from '../../src/evolution/type-evolution.js'

function convert(from: DataType, to: DataType, value: Value): Value {
  const e = evolveType(from, to)
  if (e.kind === 'incompatible') throw new Error(e.reason)

  return e.kind === 'same' ? value : e.convert(value)
}

function reason(from: DataType, to: DataType): string {
  const e = evolveType(from, to)
  if (e.kind !== 'incompatible')
    throw new Error(`expected ${JSON.stringify(from)} → ${JSON.stringify(to)} to be refused`)

  return e.reason
}

describe('[schema] evolveType', () => {
  it('widens integers exactly', () => {
    expect(convert(T.int32, T.int64, 2_147_483_647)).toBe(2_147_483_647n)
    expect(convert(T.int32, T.float64, -7)).toBe(-7)
    expect((convert(T.int32, T.decimal(12, 2), -2_147_483_648) as Decimal).toString()).toBe('-2147483648.00')
    expect((convert(T.int64, T.decimal(19, 0), 9_223_372_036_854_775_807n) as Decimal).toString()).toBe(
      '9223372036854775807',
    )
  })

  it('widens decimals to more digits on either side of the point', () => {
    expect((convert(T.decimal(5, 2), T.decimal(8, 3), Decimal.parse('123.45')) as Decimal).toString()).toBe('123.450')
  })

  it('refuses what would lose digits or exactness, saying why', () => {
    expect(reason(T.int64, T.float64)).toContain('2^53')
    expect(reason(T.int64, T.int32)).toBe('BIGINT cannot become INT: no lossless conversion exists')
    expect(reason(T.int32, T.decimal(9, 0))).toContain('keeps 9 integer digits, INT needs 10')
    expect(reason(T.int64, T.decimal(20, 2))).toContain('needs 19')
    expect(reason(T.decimal(5, 2), T.decimal(5, 1))).toContain('fractional digits would be cut from 2 to 1')
    expect(reason(T.decimal(5, 2), T.decimal(5, 3))).toContain('integer digits would shrink from 3 to 2')
    expect(reason(T.decimal(5, 2), T.float64)).toContain('does not hold every decimal exactly')
    expect(reason(T.float64, T.decimal(38, 10))).toContain('fractions, infinities or NaN')
    expect(reason(T.int32, T.string)).toContain('CAST them in the query')
    expect(reason(T.bytes, T.string)).toContain('BYTES cannot become STRING')
  })

  it('widens time precision but refuses to cut it or change the time zone', () => {
    expect(convert(T.timestamp('ms'), T.timestamp('ns'), 1_500_000_000n)).toBe(1_500_000_000n)
    expect(evolveType(T.time('ms'), T.time('us')).kind).toBe('widen')
    expect(reason(T.timestamp('ns'), T.timestamp('us'))).toContain('from 9 to 6 digits')
    expect(reason(T.timestamp('us', 'UTC'), T.timestamp('us'))).toContain('time zone differs')
    expect(convert(T.date, T.timestamp('us'), 1)).toBe(86_400_000_000_000n)
    expect(reason(T.date, T.timestamp('us', 'UTC'))).toContain('no time zone')
  })

  it('turns a column only ever seen NULL into any type, and strings into bytes', () => {
    expect(convert(T.null, T.int64, null)).toBeNull()
    expect(convert(T.string, T.bytes, 'é')).toEqual(new Uint8Array([0xc3, 0xa9]))
  })

  it('evolves lists, maps and structs element-wise, keeping NULLs', () => {
    expect(convert(T.list(T.int32), T.list(T.int64), [1, null, 3])).toEqual([1n, null, 3n])
    expect(convert(T.map(T.string, T.int32), T.map(T.string, T.int64), new Map([['a', 1]]))).toEqual(
      new Map([['a', 1n]]),
    )
    const from = T.struct([
      { name: 'x', type: T.int32, nullable: false },
      { name: 'gone', type: T.string, nullable: true },
    ])
    const to = T.struct([
      { name: 'x', type: T.int64, nullable: false },
      { name: 'added', type: T.string, nullable: true },
    ])
    expect(convert(from, to, { x: 5, gone: 'g' })).toEqual({ x: 5n, added: null })
    expect(reason(T.list(T.int64), T.list(T.int32))).toContain('element: BIGINT cannot become INT')
    expect(reason(from, T.struct([{ name: 'y', type: T.int32, nullable: false }]))).toContain(
      'field y is new and NOT NULL',
    )
  })
})
