import { batchOf, Decimal, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { JsonArrayDecoder } from '../../src/json/json-array-decoder.js'
import { JsonArrayEncoder, JsonLinesEncoder } from '../../src/json/json-encoder.js'
import { JsonLinesDecoder } from '../../src/json/json-lines-decoder.js'
import { decodeAll } from '../decode-helpers.js'

const text = (b: Uint8Array) => new TextDecoder().decode(b)

describe('[formats] JSON encoders', () => {
  const schema = Schema.of(
    ['id', T.int64],
    ['amount', T.decimal(30, 10)],
    ['x', T.float64],
    ['d', T.date],
    ['s', T.struct([{ name: 'n', type: T.int64, nullable: true }])],
    ['m', T.map(T.string, T.int32)],
  )
  const rows = [
    [
      -9223372036854775808n,
      Decimal.parse('12345678901234567890.0123456789'),
      0.1,
      19782,
      { n: 18446744073709551615n },
      new Map([['k', 1]]),
    ],
    [1n, null, Number.NaN, null, null, null],
  ]

  it('writes BIGINT and DECIMAL as JSON numbers with every digit, NaN as a string, dates as text', () => {
    const out = text(new JsonLinesEncoder(schema).encode(batchOf(schema, rows)))
    expect(out).toBe(
      '{"id":-9223372036854775808,"amount":12345678901234567890.0123456789,"x":0.1,"d":"2024-02-29","s":{"n":18446744073709551615},"m":{"k":1}}\n' +
        '{"id":1,"amount":null,"x":"NaN","d":null,"s":null,"m":null}\n',
    )
  })

  it('round-trips through the JSON lines decoder exactly', () => {
    const flat = Schema.of(['id', T.int64], ['amount', T.decimal(30, 10)], ['x', T.float64], ['d', T.date])
    const flatRows = rows.map((r) => r.slice(0, 4))
    const bytes = new JsonLinesEncoder(flat).encode(batchOf(flat, flatRows))
    const back = decodeAll(() => new JsonLinesDecoder({ schema: flat, file: 'f' }), bytes)
    expect(back.bad).toEqual([])
    expect(back.rows).toEqual(flatRows)
  })

  it('writes a JSON array that the array decoder reads back, across several batches', () => {
    const s = Schema.of(['id', T.int64])
    const e = new JsonArrayEncoder(s)
    const out =
      text(e.begin()) +
      text(e.encode(batchOf(s, [[1n], [2n]]))) +
      text(e.encode(batchOf(s, []))) +
      text(e.encode(batchOf(s, [[3n]]))) +
      text(e.end())
    expect(out).toBe('[\n{"id":1},\n{"id":2},\n{"id":3}\n]\n')
    expect(JSON.parse(out)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }])
    expect(decodeAll(() => new JsonArrayDecoder({ schema: s, file: 'f' }), out).rows).toEqual([[1n], [2n], [3n]])
    const empty = new JsonArrayEncoder(s)
    expect(text(empty.begin()) + text(empty.end())).toBe('[]\n')
  })
})
