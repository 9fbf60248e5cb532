import { Decimal, type Field, parseTimestamp, Schema, T, type Value } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { parseClickhouseType } from '../../src/types/clickhouse-type.js'
import { columnEncoder, rowEncoder } from '../../src/types/encode.js'

const enc = (type: Field['type'], column: string, value: Value, nullable = true) =>
  columnEncoder({ name: 'c', type, nullable }, parseClickhouseType(column))(value)

describe('[clickhouse] value encoding', () => {
  it('writes 64-bit integers and decimals as exact unquoted digits', () => {
    expect(enc(T.int64, 'Int64', -(2n ** 63n))).toBe('-9223372036854775808')
    expect(enc(T.int64, 'UInt64', 2n ** 63n - 1n)).toBe('9223372036854775807')
    expect(enc(T.decimal(38, 9), 'Decimal(38, 9)', Decimal.parse('12345678901234567890123456789.123456789'))).toBe(
      '12345678901234567890123456789.123456789',
    )
    expect(enc(T.decimal(38, 9), 'Decimal(38, 9)', Decimal.parse('-0.5'))).toBe('-0.500000000')
    expect(enc(T.decimal(10, 0), 'UInt64', Decimal.parse('18446744073709551615'))).toBe('18446744073709551615')
  })

  it('refuses values the column would wrap or round', () => {
    expect(() => enc(T.int32, 'UInt8', 300)).toThrow(
      /c = 300 does not fit the ClickHouse column type UInt8 \(0 to 255\)/,
    )
    expect(() => enc(T.int64, 'UInt64', -1n)).toThrow(/does not fit/)
    expect(() => enc(T.decimal(10, 3), 'Decimal(10, 2)', Decimal.parse('1.005'))).toThrow(
      /c = 1.005 has more than 2 fractional digits/,
    )
    expect(() => enc(T.decimal(10, 0), 'Decimal(3, 0)', Decimal.parse('1000'))).toThrow(/at most 3 digits before/)
    expect(() => enc(T.date, 'Date', -1)).toThrow(/1969-12-31 does not fit the ClickHouse column type Date/)
    expect(() => enc(T.date, 'Date', 49673)).toThrow(/2106-01-01 does not fit/)
  })

  it('writes timestamps as exact epoch seconds, whatever the column zone', () => {
    const ns = parseTimestamp('2024-10-27T00:30:00.123456789Z')
    expect(enc(T.timestamp('ns', 'UTC'), "DateTime64(9, 'Europe/Berlin')", ns)).toBe('1729989000.123456789')
    expect(enc(T.timestamp('ms'), "DateTime64(3, 'UTC')", -1_000_000n)).toBe('-0.001')
    expect(enc(T.timestamp('ms'), "DateTime('UTC')", 1_000_000_000n)).toBe('1')
    expect(() => enc(T.timestamp('ms'), "DateTime('UTC')", 1_500_000_000n)).toThrow(/has a fraction of a second/)
    expect(() => enc(T.timestamp('ns'), "DateTime64(3, 'UTC')", 1n)).toThrow(/more fractional digits than/)
    expect(enc(T.timestamp('us'), 'Int64', 1_234_567_000n)).toBe('1234567')
  })

  it('writes floats, booleans, strings, dates and text forms', () => {
    expect(enc(T.float64, 'Float64', Number.NaN)).toBe('"nan"')
    expect(enc(T.float64, 'Float64', Number.NEGATIVE_INFINITY)).toBe('"-inf"')
    expect(enc(T.float64, 'Float64', -0)).toBe('-0')
    expect(enc(T.float64, 'Float64', 1e308)).toBe('1e+308')
    expect(enc(T.boolean, 'Bool', true)).toBe('true')
    expect(enc(T.boolean, 'UInt8', true)).toBe('1')
    expect(enc(T.string, 'String', 'a"b\\c\n\u0000é😀')).toBe('"a\\"b\\\\c\\n\\u0000é😀"')
    expect(enc(T.bytes, 'String', new TextEncoder().encode('ok'))).toBe('"ok"')
    expect(() => enc(T.bytes, 'String', new Uint8Array([0xff]))).toThrow(/not UTF-8/)
    expect(enc(T.date, 'Date32', -25567)).toBe('"1900-01-01"')
    expect(enc(T.time('us'), 'String', 45_296_000_001_000n)).toBe('"12:34:56.000001"')
  })

  it('writes arrays, maps and tuples as nested JSON', () => {
    expect(enc(T.list(T.int64), 'Array(Nullable(Int64))', [1n, null, -(2n ** 63n)])).toBe(
      '[1,null,-9223372036854775808]',
    )
    expect(enc(T.list(T.int64), 'Array(Int64)', null)).toBe('[]')
    expect(
      enc(T.map(T.int64, T.decimal(5, 2)), 'Map(Int64, Decimal(5, 2))', new Map([[7n, Decimal.parse('1.5')]])),
    ).toBe('{"7":1.50}')
    expect(enc(T.map(T.string, T.string), 'Map(String, String)', new Map([['k"', 'v']]))).toBe('{"k\\"":"v"}')
    const st = T.struct([
      { name: 'a', type: T.int32, nullable: false },
      { name: 'b', type: T.string, nullable: true },
    ])
    expect(enc(st, 'Tuple(a Int32, b Nullable(String))', { a: 1, b: null })).toBe('{"a":1,"b":null}')
    expect(enc(st, 'Tuple(Int32, Nullable(String))', { a: 1, b: 'x' })).toBe('[1,"x"]')
  })

  it('refuses NULL for a column that cannot hold it, saying what to do', () => {
    expect(() => enc(T.int64, 'Int64', null)).toThrow(
      /c is NULL but the ClickHouse column is Int64, which cannot hold NULL \(the server would store a default value instead\)/,
    )
    expect(enc(T.int64, 'Nullable(Int64)', null)).toBe('null')
    expect(enc(T.string, 'LowCardinality(Nullable(String))', null)).toBe('null')
  })

  it('refuses a core type the column cannot take before any row flows', () => {
    expect(() => enc(T.string, 'Int64', 'x')).toThrow(
      /c is STRING, which cannot be written into the ClickHouse column type Int64/,
    )
    expect(() => enc(T.float64, 'Decimal(10, 2)', 1.5)).toThrow(
      expect.objectContaining({ code: 'FERRIS_SCHEMA_MISMATCH' }),
    )
  })

  it('encodes whole rows as JSONEachRow lines', () => {
    const schema = Schema.of(['id', T.int64, false], ['na"me', T.string])
    const encode = rowEncoder(schema.fields, [parseClickhouseType('Int64'), parseClickhouseType('Nullable(String)')])
    expect(encode([1n, 'x'])).toBe('{"id":1,"na\\"me":"x"}\n')
    expect(encode([2n, null])).toBe('{"id":2,"na\\"me":null}\n')
  })
})
