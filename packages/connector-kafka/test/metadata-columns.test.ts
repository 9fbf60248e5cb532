import { Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import {
  columnLayout,
  headersFromKafka,
  headersToKafka,
  headersToValue,
  keyToValue,
  valueToKey,
} from '../src/metadata-columns.js'

const headerList = T.list(
  T.struct([
    { name: 'key', type: T.string, nullable: false },
    { name: 'value', type: T.bytes, nullable: true },
  ]),
)

describe('[kafka] metadata columns', () => {
  it('splits metadata columns from value columns', () => {
    const layout = columnLayout(
      Schema.of(['_key', T.string], ['id', T.int64], ['_offset', T.int64], ['name', T.string]),
      'o',
    )
    expect(layout.valueSchema.names).toEqual(['id', 'name'])
    expect(layout.valueIndex).toEqual([1, 3])
    expect(layout.meta).toEqual({ _key: 0, _offset: 2 })
  })

  it('rejects a metadata column of the wrong type with the accepted types', () => {
    expect(() => columnLayout(Schema.of(['_offset', T.string]), 'o')).toThrow(/_offset is declared STRING/)
    expect(() => columnLayout(Schema.of(['_headers', T.string]), 'o')).toThrow(/LIST<STRUCT<key STRING, value BYTES>>/)
  })

  it('keeps repeated and null-valued headers in order', () => {
    const headers = headersFromKafka({ a: [Buffer.from('1'), null], b: 'x' } as never)
    expect(headers).toEqual([
      { key: 'a', value: new Uint8Array(Buffer.from('1')) },
      { key: 'a', value: null },
      { key: 'b', value: new Uint8Array(Buffer.from('x')) },
    ])
    expect(headersToValue(headers, headerList)).toEqual([
      { key: 'a', value: new Uint8Array(Buffer.from('1')) },
      { key: 'a', value: null },
      { key: 'b', value: new Uint8Array(Buffer.from('x')) },
    ])
    expect(headersToValue(headers, T.map(T.string, T.string))).toEqual(
      new Map<string, string | null>([
        ['a', null],
        ['b', 'x'],
      ]),
    )
  })

  it('writes repeated headers and static headers, and refuses null values the client cannot send', () => {
    const value = [
      { key: 'a', value: new Uint8Array([1]) },
      { key: 'a', value: new Uint8Array([2]) },
    ]
    expect(headersToKafka(value, headerList, { src: 'ferris' })).toEqual({
      src: 'ferris',
      a: [Buffer.from([1]), Buffer.from([2])],
    })
    expect(() => headersToKafka([{ key: 'n', value: null }], headerList, {})).toThrow(/Header "n" has no value/)
    expect(headersToKafka(null, undefined, {})).toBeUndefined()
  })

  it('converts keys to and from their column type', () => {
    expect(keyToValue(Buffer.from('9223372036854775807'), T.int64, 'string', 'o')).toBe(9223372036854775807n)
    expect(
      keyToValue(
        Buffer.from('{"id": 9223372036854775807}'),
        T.struct([{ name: 'id', type: T.int64, nullable: true }]),
        'json',
        'o',
      ),
    ).toEqual({
      id: 9223372036854775807n,
    })
    expect(keyToValue(null, T.string, 'string', 'o')).toBeNull()
    // key_format=json into a STRING _key: a JSON string loses its quotes (it round-trips with valueToKey), an
    // object keeps its JSON text; without a _key column the key stays the text it was.
    expect(keyToValue(Buffer.from('"New York"'), T.string, 'json', 'o')).toBe('New York')
    expect(keyToValue(Buffer.from('{"a": 1}'), T.string, 'json', 'o')).toBe('{"a":1}')
    expect(keyToValue(Buffer.from('"New York"'), undefined, 'json', 'o')).toBe('"New York"')
    expect(() => keyToValue(Buffer.from('New York'), T.string, 'json', 'o')).toThrow(/JSON/)
    expect(keyToValue(Buffer.from('clé'), T.string, 'string', 'o')).toBe('clé')
    expect(keyToValue(Buffer.from('k'.repeat(30)), undefined, 'string', 'o')).toBe('k'.repeat(30))
    // Bytes that are not UTF-8 are a bad record, not a key changed into replacement characters.
    for (const bad of [Buffer.from([0xff, 0xfe]), Buffer.concat([Buffer.from('k'.repeat(30)), Buffer.from([0xc3])])]) {
      for (const format of ['string', 'json'] as const) {
        expect(() => keyToValue(bad, T.string, format, 'o')).toThrow(
          expect.objectContaining({ code: 'FERRIS_RECORD_MALFORMED', message: 'o: the message key is not UTF-8 text' }),
        )
      }
    }
    expect(keyToValue(Buffer.from([0xff, 0xfe]), undefined, 'bytes', 'o')).toEqual(new Uint8Array([0xff, 0xfe]))
    // No _key column: the record's key keeps its bytes and the message is not refused for it.
    expect(keyToValue(Buffer.from([0xff, 0xfe]), undefined, 'string', 'o')).toEqual(new Uint8Array([0xff, 0xfe]))
    expect(valueToKey(12n, T.int64, 'string')?.toString()).toBe('12')
    expect(valueToKey('k', T.string, 'json')?.toString()).toBe('"k"')
    expect(valueToKey(null, T.string, 'string')).toBeNull()
  })
})
