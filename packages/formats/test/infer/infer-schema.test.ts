import { T, typeToString } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { inferSchema } from '../../src/infer/infer-schema.js'
import { jsonType, textType } from '../../src/infer/value-types.js'
import { widen } from '../../src/infer/widen.js'
import { parseJsonExact } from '../../src/json/exact-json.js'

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text)
}

describe('[formats] schema inference', () => {
  it('types text values: INT, BIGINT, DECIMAL, DOUBLE, BOOLEAN, DATE, TIMESTAMP, STRING', () => {
    const cases: Array<[string, string]> = [
      ['42', 'INT'],
      ['-2147483649', 'BIGINT'],
      ['92233720368547758070', 'DECIMAL(20, 0)'],
      ['1.5', 'DOUBLE'],
      ['1e3', 'DOUBLE'],
      ['3.141592653589793', 'DOUBLE'],
      // More significant digits than a DOUBLE keeps: DECIMAL, so inference rounds nothing.
      ['12345678901234567.89', 'DECIMAL(19, 2)'],
      ['+0.000123456789012345678', 'DECIMAL(21, 21)'],
      ['TRUE', 'BOOLEAN'],
      ['2024-02-29', 'DATE'],
      ['2024-02-30', 'STRING'],
      ['2024-01-01 12:00:00', 'TIMESTAMP(6)'],
      ['2024-01-01T12:00:00.123456789Z', "TIMESTAMP(9) WITH TIME ZONE 'UTC'"],
      ['007', 'STRING'],
      ['abc', 'STRING'],
    ]
    for (const [text, type] of cases) expect([text, typeToString(textType(text))]).toEqual([text, type])
  })

  it('widens int32 → int64 → decimal → double → string, and date → timestamp', () => {
    const w = (a: Parameters<typeof widen>[0], b: Parameters<typeof widen>[1]) => typeToString(widen(a, b)!)
    expect(w(T.int32, T.int64)).toBe('BIGINT')
    expect(w(T.int64, T.decimal(25, 0))).toBe('DECIMAL(25, 0)')
    expect(w(T.decimal(5, 2), T.decimal(10, 0))).toBe('DECIMAL(12, 2)')
    expect(w(T.int64, T.float64)).toBe('DOUBLE')
    expect(w(T.float64, T.boolean)).toBe('STRING')
    expect(w(T.date, T.timestamp('us'))).toBe('TIMESTAMP(6)')
    expect(w(T.timestamp('us'), T.timestamp('us', 'UTC'))).toBe('STRING')
    expect(w(undefined, T.int32)).toBe('INT')
  })

  it('infers a CSV schema from a sample: nullable fields, empty columns STRING, file column order', async () => {
    const schema = await inferSchema(
      bytes('id,amount,note,day,empty\n1,1.5,x,2024-01-01,\n9007199254740993,,"y",2024-01-02 10:00:00,\n'),
      'csv',
    )
    expect(schema?.toString()).toBe('id BIGINT, amount DOUBLE, note STRING, day TIMESTAMP(6), empty STRING')
    expect(schema?.fields.every((f) => f.nullable)).toBe(true)
  })

  it('names headerless CSV columns and de-duplicates repeated header names', async () => {
    expect((await inferSchema(bytes('1,a\n2,b\n'), 'csv_no_header'))?.names).toEqual(['column_1', 'column_2'])
    expect((await inferSchema(bytes('a,a,\n1,2,3\n'), 'csv'))?.names).toEqual(['a', 'a_2', 'column_3'])
  })

  it('stops at the sample size: a later value does not change the type', async () => {
    const schema = await inferSchema(bytes('v\n1\n2\nx\n'), 'csv', { sampleSize: 2 })
    expect(schema?.toString()).toBe('v INT')
  })

  it('infers JSON schemas: exact big numbers, nested structs and lists, fields in order of appearance', async () => {
    const jsonl =
      '{"id": 1, "user": {"name": "a"}, "tags": ["x"]}\n{"id": 12345678901234567890, "user": {"age": 3}, "at": "2024-01-01T00:00:00Z", "price": 0.12345678901234567}\n'
    const schema = await inferSchema(bytes(jsonl), 'jsonl')
    expect(schema?.toString()).toBe(
      "id DECIMAL(20, 0), user STRUCT<name STRING, age INT>, tags LIST<STRING>, at TIMESTAMP(6) WITH TIME ZONE 'UTC', price DECIMAL(17, 17)",
    )
    expect((await inferSchema(bytes('[{"a": 1}, {"a": 2.5, "b": null}]'), 'json'))?.toString()).toBe(
      'a DOUBLE, b STRING',
    )
  })

  it('keeps JSON strings that look like numbers as STRING', () => {
    expect(typeToString(jsonType(parseJsonExact('"42"'))!)).toBe('STRING')
  })

  it('returns undefined for an empty input', async () => {
    expect(await inferSchema(bytes(''), 'csv')).toBeUndefined()
    expect(await inferSchema(bytes(''), 'jsonl')).toBeUndefined()
  })
})
