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

  it('keeps every digit when only one field needs the exact parser, whatever the other fields hold', () => {
    const flat = Schema.of(['id', T.int64], ['x', T.float64], ['n', T.int32], ['s', T.string], ['d', T.decimal(20, 2)])
    const d = jsonMessageDecoder(flat, 'orders')
    // Safe integers and doubles: JSON.parse alone is exact.
    expect(d.decode(enc('{"id": 42, "x": 0.1, "n": 7, "s": "a", "d": null}'))).toEqual([42n, 0.1, 7, 'a', null])
    // An integer beyond 2^53 in a BIGINT column: JSON.parse would round it to 9007199254740992.
    expect(d.decode(enc('{"id": 9007199254740993, "x": 1.5}'))[0]).toBe(9007199254740993n)
    // A long number in a STRING column keeps its text; in a DECIMAL column, its digits.
    expect(d.decode(enc('{"s": 12345678901234567890}'))[3]).toBe('12345678901234567890')
    expect((d.decode(enc('{"d": 123456789012345678.91}'))[4] as Decimal).toString()).toBe('123456789012345678.91')
    // A long double in a DOUBLE column rounds as a double, as with the exact parser.
    expect(d.decode(enc('{"x": 0.12345678901234567890, "id": 1}'))).toEqual([1n, 0.12345678901234568, null, null, null])
    // A field named like an Object.prototype member is read only when the message has it.
    const odd = jsonMessageDecoder(Schema.of(['constructor', T.string]), 'o')
    expect(odd.decode(enc('{}'))).toEqual([null])
    expect(odd.decode(enc('{"constructor": "c"}'))).toEqual(['c'])
  })

  it('matches keys case-insensitively and reads missing keys as null', () => {
    const row = jsonMessageDecoder(schema, 'orders').decode(enc('{"ID": 1}'))
    expect(row).toEqual([1n, null, null, null, null])
  })

  it('gives a key to the column of its exact name when two columns differ only in case', () => {
    // What JSON inference makes of a topic whose messages hold both `id` and `ID`.
    const both = Schema.of(['id', T.string], ['ID', T.int32])
    for (const scan of [true, false]) {
      const d = jsonMessageDecoder(both, 'mixed', { scan })
      expect(d.decode(enc('{"id": "notanumber"}'))).toEqual(['notanumber', null])
      expect(d.decode(enc('{"ID": 7}'))).toEqual([null, 7])
      expect(d.decode(enc('{"id": "a", "ID": 7}'))).toEqual(['a', 7])
      // A key naming neither column exactly still matches both by folding.
      expect(d.decode(enc('{"Id": "5"}'))).toEqual(['5', 5])
    }
  })

  it('refuses a value nested too deeply as a malformed record, not an internal error', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
    const d = jsonMessageDecoder(Schema.of(['id', T.int64], ['name', T.string]), 'deep')
    expect(() => d.decode(enc(`{"id": 1, "name": ${deep}}`))).toThrow(
      expect.objectContaining({
        code: 'FERRIS_RECORD_MALFORMED',
        message: 'deep: the message value is nested too deeply',
      }),
    )
    // The decoder goes on with the next message.
    expect(d.decode(enc('{"id": 2, "name": [[1]]}'))).toEqual([2n, '[[1]]'])
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
