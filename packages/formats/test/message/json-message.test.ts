import { Decimal, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { jsonMessageDecoder, jsonMessageEncoder } from '../../src/message/json-message.js'

const schema = Schema.of(
  ['id', T.int64],
  ['amount', T.decimal(38, 18)],
  ['name', T.string],
  ['at', T.timestamp('ns', 'UTC')],
  ['tags', T.list(T.int64)],
)
const enc = (s: string) => new TextEncoder().encode(s)

describe('[message] json', () => {
  it('decodes 64-bit integers and long decimals without rounding', () => {
    const d = jsonMessageDecoder(schema, 'orders')
    const row = d.decode(
      enc(
        '{"id": 9223372036854775807, "amount": 12345678901234567890.123456789012345678, "name": "a", "at": "2024-01-01T00:00:00.123456789Z", "tags": [-9223372036854775808]}',
      ),
    )
    expect(row[0]).toBe(9223372036854775807n)
    expect((row[1] as Decimal).toString()).toBe('12345678901234567890.123456789012345678')
    expect(row[2]).toBe('a')
    expect(row[3]).toBe(1704067200123456789n)
    expect(row[4]).toEqual([-9223372036854775808n])
  })

  it('matches keys case-insensitively and reads missing keys as null', () => {
    const row = jsonMessageDecoder(schema, 'orders').decode(enc('{"ID": 1}'))
    expect(row).toEqual([1n, null, null, null, null])
  })

  it('reads a tombstone (no value) as a row of nulls', () => {
    expect(jsonMessageDecoder(schema, 'orders').decode(null)).toEqual([null, null, null, null, null])
  })

  it('rejects text that is not a JSON object, saying what it saw', () => {
    const d = jsonMessageDecoder(schema, 'orders')
    expect(() => d.decode(enc('{"id": '))).toThrow(/orders: the message value is not JSON/)
    expect(() => d.decode(enc('[1,2]'))).toThrow(/JSON but not an object/)
    expect(() => d.decode(new Uint8Array([0xff, 0xfe]))).toThrow(/not UTF-8/)
    expect(() => d.decode(enc('{"id": "x"}'))).toThrow(expect.objectContaining({ code: 'FERRIS_TYPE_CONVERSION' }))
  })

  it('encodes exact digits and reads back the same values', () => {
    const row = [2n ** 63n - 1n, Decimal.parse('0.000000000000000001'), 'é"', 1n, [1n, null]]
    const bytes = jsonMessageEncoder(schema).encode(row)!
    expect(bytes.toString()).toBe(
      '{"id":9223372036854775807,"amount":0.000000000000000001,"name":"é\\"","at":"1970-01-01T00:00:00.000000001Z","tags":[1,null]}',
    )
    const back = jsonMessageDecoder(schema, 'x').decode(bytes)
    expect(back[0]).toBe(row[0])
    expect((back[1] as Decimal).equals(row[1] as Decimal)).toBe(true)
    expect(back[3]).toBe(1n)
  })
})
