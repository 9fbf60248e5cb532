import { Decimal, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { JsonArrayDecoder } from '../../src/json/json-array-decoder.js'
import { JsonLinesDecoder } from '../../src/json/json-lines-decoder.js'
import { decodeAll, decodeEveryChunking } from '../decode-helpers.js'

const S = Schema.of(['id', T.int64], ['amount', T.decimal(38, 10)], ['name', T.string])
const jsonl = (input: string, schema = S) =>
  decodeEveryChunking(() => new JsonLinesDecoder({ schema, file: 'in.jsonl' }), input)
const jsonArray = (input: string, schema = S) =>
  decodeEveryChunking(() => new JsonArrayDecoder({ schema, file: 'in.json' }), input)

describe('[formats] JSON lines decoder', () => {
  it('keeps integers beyond 2^53 and long decimals exact', () => {
    const r = jsonl(
      '{"id": 9223372036854775807, "amount": 1234567890123456789.0123456789, "name": "a"}\n{"id": -9007199254740993, "amount": 0.1, "name": "b"}\n',
    )
    expect(r.bad).toEqual([])
    expect(r.rows).toEqual([
      [9223372036854775807n, Decimal.parse('1234567890123456789.0123456789'), 'a'],
      [-9007199254740993n, Decimal.parse('0.1').rescale(10), 'b'],
    ])
  })

  it('reads numbers written as strings and matches keys case-insensitively; missing keys are NULL', () => {
    const r = jsonl('{"ID": "42", "Amount": "12.50"}\n')
    expect(r.rows).toEqual([[42n, Decimal.parse('12.50').rescale(10), null]])
  })

  it('gives offsets, lines, skips blank lines, CRLF and a byte-order mark', () => {
    const r = jsonl('\uFEFF{"id":1}\r\n\n{"id":2}')
    expect(r.rows.map((x) => x[0])).toEqual([1n, 2n])
    expect(r.starts).toEqual([3, 14])
    expect(r.ends).toEqual([13, 22])
    expect(r.lines).toEqual([1, 3])
  })

  it('reports malformed lines, non-objects and wrong types as bad records, and goes on', () => {
    const r = jsonl('{"id":1}\n{"id":\n[1,2]\n{"id":"x"}\n{"id":3}\n')
    expect(r.rows.map((x) => x[0])).toEqual([1n, 3n])
    expect(r.bad.map((b) => [b.line, b.byte, b.raw, b.code])).toEqual([
      [2, 9, '{"id":', 'FERRIS_RECORD_MALFORMED'],
      [3, 16, '[1,2]', 'FERRIS_RECORD_MALFORMED'],
      [4, 22, '{"id":"x"}', 'FERRIS_TYPE_CONVERSION'],
    ])
    expect(r.bad[2]!.message).toContain('"id"')
    expect(r.bad[0]!.message).toContain('in.jsonl, line 2, byte 9')
  })

  it('turns nested objects into STRUCT and LIST values, or their exact JSON text in a STRING column', () => {
    const user = T.struct([
      { name: 'id', type: T.decimal(20, 0), nullable: true },
      { name: 'tags', type: T.list(T.string), nullable: true },
    ])
    const schema = Schema.of(['user', user], ['raw', T.string])
    const r = jsonl(
      '{"user": {"id": 12345678901234567890, "tags": ["a"]}, "raw": {"x": 12345678901234567890, "y": [true, null]}}\n',
      schema,
    )
    expect(r.bad).toEqual([])
    expect(r.rows[0]![0]).toEqual({ id: Decimal.parse('12345678901234567890'), tags: ['a'] })
    expect(r.rows[0]![1]).toBe('{"x":12345678901234567890,"y":[true,null]}')
  })

  it('rejects a BIGINT beyond 64 bits instead of rounding it', () => {
    const r = jsonl('{"id": 92233720368547758070}\n')
    expect(r.rows).toEqual([])
    expect(r.bad[0]!.code).toBe('FERRIS_TYPE_CONVERSION')
  })
})

describe('[formats] JSON array decoder', () => {
  it('reads a pretty-printed array element by element, with offsets past each comma', () => {
    const text = '[\n  {"id": 1, "name": "a,]"},\n  {"id": 2, "name": "b"}\n]\n'
    const r = jsonArray(text)
    expect(r.rows).toEqual([
      [1n, null, 'a,]'],
      [2n, null, 'b'],
    ])
    expect(r.lines).toEqual([2, 3])
    expect(r.bad).toEqual([])
    // Resuming after the first element reads the second only.
    const rest = decodeAll(
      () => new JsonArrayDecoder({ schema: S, file: 'in.json', startOffset: r.ends[0]!, startLine: r.endLines[0]! }),
      new TextEncoder().encode(text).subarray(r.ends[0]!),
    )
    expect(rest.rows).toEqual([r.rows[1]])
    expect(rest.lines).toEqual([3])
  })

  it('reads an empty array and a compact one', () => {
    expect(jsonArray('[]').rows).toEqual([])
    expect(jsonArray('[{"id":1},{"id":2}]').rows.map((x) => x[0])).toEqual([1n, 2n])
  })

  it('reports a bad element and goes on; reports an unclosed array and a file that is not an array', () => {
    const r = jsonArray('[{"id":1},{"id":},{"id":3}]')
    expect(r.rows.map((x) => x[0])).toEqual([1n, 3n])
    expect(r.bad).toHaveLength(1)
    expect(r.bad[0]).toMatchObject({ byte: 10, raw: '{"id":}' })
    expect(jsonArray('[{"id":1},').bad[0]!.message).toContain('not closed')
    expect(jsonArray('{"id":1}\n').bad[0]!.message).toContain('must start with "["')
  })
})
