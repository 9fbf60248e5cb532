import { Decimal, parseExactJson, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { decoderFor } from '../../src/types/decode.js'

const dec = (type: Parameters<typeof decoderFor>[0], json: string, zone?: string) =>
  decoderFor(type, 'c', zone)(parseExactJson(json))

describe('[clickhouse] value decoding', () => {
  it('reads 64-bit integers and decimals exactly, quoted or not', () => {
    expect(dec(T.int64, '"-9223372036854775808"')).toBe(-(2n ** 63n))
    expect(dec(T.int64, '9223372036854775807')).toBe(2n ** 63n - 1n)
    expect(dec(T.decimal(38, 9), '12345678901234567890123456789.123456789')).toEqual(
      Decimal.parse('12345678901234567890123456789.123456789'),
    )
    expect(dec(T.decimal(20, 0), '"18446744073709551615"')).toEqual(Decimal.parse('18446744073709551615'))
  })

  it('reads dates and timestamps, including the zero dates of old servers', () => {
    expect(dec(T.date, '"0000-00-00"')).toBe(0)
    expect(dec(T.date, '"1900-01-01"')).toBe(-25567)
    expect(dec(T.timestamp('ns', 'UTC'), '"2024-10-27 00:30:00.123456789"')).toBe(1729989000123456789n)
    expect(dec(T.timestamp('ms', 'UTC'), '"0000-00-00 00:00:00"')).toBe(0n)
    expect(dec(T.timestamp('ns'), '"2024-10-27 00:30:00.123456789"', 'Europe/Berlin')).toBe(1729981800123456789n)
    // A wall clock that occurs twice reads as the earlier instant: why table reads ask the server for UTC.
    expect(dec(T.timestamp('ns'), '"2024-10-27 02:30:00.123456789"', 'Europe/Berlin')).toBe(1729989000123456789n)
    expect(() => dec(T.timestamp('ms'), '"2024-01-01 00:00:00.000001"')).toThrow(/finer than ms/)
  })

  it('reads floats, booleans and nested values', () => {
    expect(dec(T.float64, '"nan"')).toBeNaN()
    expect(dec(T.float64, '"-inf"')).toBe(Number.NEGATIVE_INFINITY)
    expect(dec(T.boolean, '1')).toBe(true)
    expect(dec(T.boolean, 'false')).toBe(false)
    expect(dec(T.list(T.int64), '["1",null]')).toEqual([1n, null])
    expect(dec(T.map(T.int64, T.string), '{"-5":"x"}')).toEqual(new Map([[-5n, 'x']]))
    const st = T.struct([
      { name: 'a', type: T.int32, nullable: false },
      { name: 'b c', type: T.string, nullable: true },
    ])
    expect(dec(st, '[1,"x"]')).toEqual({ a: 1, 'b c': 'x' })
    expect(dec(st, '{"a":2,"b c":null}')).toEqual({ a: 2, 'b c': null })
    expect(() => dec(st, '{"a":null}')).toThrow(/field a is null/)
  })

  it('names the column and the value when a value does not fit', () => {
    expect(() => dec(T.int32, '"x"')).toThrow(/c: ClickHouse returned "x", which does not read as INT/)
  })
})
