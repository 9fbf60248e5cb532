import { Decimal, parseTimestamp, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { textDecoder } from '../../src/types/decode-text.js'
import { paramEncoder } from '../../src/types/encode-text.js'
import { ddlTypeOf, ferrisTypeOf, OID } from '../../src/types/pg-types.js'

describe('textDecoder', () => {
  it('reads bigint and numeric exactly', () => {
    expect(textDecoder(OID.int8)('-9223372036854775808')).toBe(-9223372036854775808n)
    expect(textDecoder(OID.numeric)('123456789012345678901234567890.000000001')).toEqual(
      Decimal.parse('123456789012345678901234567890.000000001'),
    )
    expect(() => textDecoder(OID.numeric)('NaN')).toThrow(/finite/)
  })

  it('reads timestamps independent of the host time zone', () => {
    expect(textDecoder(OID.timestamptz)('2024-03-31 01:30:00.000001+00')).toBe(
      parseTimestamp('2024-03-31T01:30:00.000001Z'),
    )
    expect(textDecoder(OID.timestamptz)('2024-03-31 03:30:00+02')).toBe(parseTimestamp('2024-03-31T01:30:00Z'))
    expect(textDecoder(OID.timestamp)('1900-01-01 00:00:00')).toBe(parseTimestamp('1900-01-01T00:00:00'))
    expect(() => textDecoder(OID.timestamp)('0044-03-15 12:00:00 BC')).toThrow(/0001-01-01/)
    expect(textDecoder(OID.date)('1969-12-31')).toBe(-1)
  })

  it('reads bytea hex, arrays with quoting and NULLs, and nested arrays', () => {
    expect(textDecoder(OID.bytea)('\\x00ff')).toEqual(new Uint8Array([0, 255]))
    expect(textDecoder(1016)('{1,NULL,9007199254740993}')).toEqual([1n, null, 9007199254740993n])
    expect(textDecoder(1009)('{"a,b","q\\"x",NULL,"NULL"}')).toEqual(['a,b', 'q"x', null, 'NULL'])
    expect(textDecoder(1007)('{{1,2},{3,4}}')).toEqual([
      [1, 2],
      [3, 4],
    ])
  })
})

describe('paramEncoder', () => {
  it('writes exact text for every type', () => {
    expect(paramEncoder(T.int64, 'c')(9223372036854775807n)).toBe('9223372036854775807')
    expect(paramEncoder(T.decimal(10, 2), 'c')(Decimal.parse('-0.50'))).toBe('-0.50')
    expect(paramEncoder(T.timestamp('us', 'UTC'), 'c')(parseTimestamp('2024-01-01T00:00:00.000001Z'))).toBe(
      '2024-01-01T00:00:00.000001Z',
    )
    expect(paramEncoder(T.timestamp('us'), 'c')(parseTimestamp('2024-01-01T00:00:00'))).toBe(
      '2024-01-01T00:00:00.000000',
    )
    expect(paramEncoder(T.bytes, 'c')(new Uint8Array([1, 255]))).toBe('\\x01ff')
    expect(paramEncoder(T.list(T.string), 'c')(['a"b', null, 'c\\d'])).toBe('{"a\\"b",NULL,"c\\\\d"}')
    expect(paramEncoder(T.list(T.list(T.int32)), 'c')([[1], [2]])).toBe('{{"1"},{"2"}}')
    expect(paramEncoder(T.float64, 'c')(Number.NaN)).toBe('NaN')
    expect(paramEncoder(T.int64, 'c')(null)).toBeNull()
  })

  it('formats timestamps on either side of 1970 and at the ends of years 1-9999 like the core formatter', () => {
    const zoned = paramEncoder(T.timestamp('us', 'UTC'), 'c')
    const local = paramEncoder(T.timestamp('us'), 'c')
    for (const text of [
      '1969-12-31T23:59:59.999999Z',
      '1970-01-01T00:00:00.000001Z',
      '0001-01-01T00:00:00.000000Z',
      '9999-12-31T23:59:59.999999Z',
      '1900-02-28T12:34:56.000999Z',
    ]) {
      expect(zoned(parseTimestamp(text))).toBe(text)
      expect(local(parseTimestamp(text))).toBe(text.slice(0, -1))
    }
    expect(() => zoned(parseTimestamp('+10000-01-01T00:00:00Z'))).toThrow(/outside 0000-9999/)
  })

  it('refuses what PostgreSQL cannot keep instead of changing it', () => {
    expect(() => paramEncoder(T.timestamp('ns'), 'out.at')(1n)).toThrow(/out.at.*nanoseconds/)
    expect(() => paramEncoder(T.string, 'out.s')('a\u0000b')).toThrow(/NUL/)
  })
})

describe('type mapping', () => {
  it('maps PostgreSQL columns to Ferris types with precision', () => {
    expect(ferrisTypeOf(OID.numeric, ((12 << 16) | 3) + 4)).toEqual(T.decimal(12, 3))
    expect(ferrisTypeOf(OID.timestamptz, 3)).toEqual(T.timestamp('ms', 'UTC'))
    expect(ferrisTypeOf(OID.timestamp, -1)).toEqual(T.timestamp('us'))
    expect(ferrisTypeOf(1016, -1)).toEqual(T.list(T.int64))
    expect(ferrisTypeOf(OID.jsonb, -1)).toEqual(T.string)
  })

  it('declares exact column types for create_table', () => {
    expect(ddlTypeOf(T.int64, 'c')).toBe('bigint')
    expect(ddlTypeOf(T.decimal(38, 9), 'c')).toBe('numeric(38, 9)')
    expect(ddlTypeOf(T.timestamp('ns', 'Europe/Paris'), 'c')).toBe('timestamptz(6)')
    expect(ddlTypeOf(T.timestamp('ms'), 'c')).toBe('timestamp(3)')
    expect(ddlTypeOf(T.list(T.list(T.string)), 'c')).toBe('text[]')
    expect(ddlTypeOf(T.struct([]), 'c')).toBe('jsonb')
  })
})
