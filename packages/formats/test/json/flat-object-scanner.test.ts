import { Decimal, Schema, T, type Value } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { flatObjectScanner } from '../../src/json/flat-object-scanner.js'
import { jsonMessageDecoder } from '../../src/message/json-message.js'

const schema = Schema.of(
  ['id', T.int64],
  ['amount', T.float64],
  ['country', T.string],
  ['qty', T.int32],
  ['ok', T.boolean],
  ['at', T.timestamp('ns', 'UTC')],
  ['price', T.decimal(20, 4)],
)
const enc = (s: string) => new TextEncoder().encode(s)
const paths = schema.fields.map((f) => `m.${f.name}`)
const scan = flatObjectScanner(schema.fields, paths)!

/** What a decoder makes of `text`: the row, or the error's code and message. */
function outcome(decode: (b: Uint8Array) => Value[], text: string): unknown {
  try {
    return decode(enc(text)).map((v) => (v instanceof Decimal ? `decimal ${v.toString()}` : v))
  } catch (error) {
    const e = error as { code?: string; message: string }
    return { code: e.code, message: e.message }
  }
}

describe('[json] flat object scanner', () => {
  it('reads a flat object of scalars into the row the general path gives', () => {
    const row = scan(enc(' { "id" : 9007199254740993, "amount": -12.5e-3,"country":"PT", "qty": -7, "ok": true } '))
    expect(row).toEqual([9007199254740993n, -0.0125, 'PT', -7, true, null, null])
    expect(scan(enc('{}'))).toEqual([null, null, null, null, null, null, null])
    // A repeated key: the last counts. Unknown keys with scalar values are skipped.
    expect(scan(enc('{"qty": 1, "extra": [1], "qty": 2}'))).toBeUndefined()
    expect(scan(enc('{"qty": 1, "extra": "x", "other": 1e5, "qty": 2}'))?.[3]).toBe(2)
    // Strings for other types go through the same conversion: a timestamp's text.
    expect(scan(enc('{"at": "2024-01-01T00:00:00Z"}'))?.[5]).toBe(1704067200000000000n)
    // A DECIMAL keeps the digits of a long number, and a short one goes through its double, as before.
    const long = scan(enc('{"price": 1234567890123456.7891, "country": 12345678901234567}'))
    expect(long?.[6]?.toString()).toBe('1234567890123456.7891')
    expect(long?.[2]).toBe('12345678901234567')
    expect(scan(enc('{"price": -99999999999999.99}'))?.[6]?.toString()).toBe('-99999999999999.9900')
    expect(() => scan(enc('{"price": 0.00001}'))).toThrow(/more than 4 fractional digits/)
  })

  it('gives up on what only the general path handles', () => {
    for (const text of [
      '{"country": "a\\"b"}', // an escape
      '{"country": "é"}', // not ASCII
      '{"country": {"a": 1}}', // nested
      '{"qty": 1.0}', // a fraction for an INT column
      '{"id": 1e3}', // an exponent for a BIGINT column
      '{"ID": 1}', // a key matching a column only without case
      '{"id": 1,}', // not JSON
      '{"id": 01}',
      '{"id": 1} x',
      '[1]',
      '',
    ])
      expect(scan(enc(text)), text).toBeUndefined()
    // Names that differ only in case: no scanner at all.
    expect(flatObjectScanner(Schema.of(['a', T.int32], ['A', T.int32]).fields, ['a', 'A'])).toBeUndefined()
  })

  it('agrees with the general path on thousands of generated messages, valid and broken', () => {
    const fast = jsonMessageDecoder(schema, 'm')
    const general = jsonMessageDecoder(schema, 'm', { scan: false })
    let seed = 42
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    const pick = <X>(xs: readonly X[]): X => xs[Math.floor(random() * xs.length)]!
    const numbers = [
      '0',
      '-0',
      '7',
      '-7',
      '2147483647',
      '2147483648',
      '123456789012345',
      '1234567890123456',
      '9223372036854775807',
      '9223372036854775808',
      '-9223372036854775808',
      '0.1',
      '-0.0',
      '1.5e3',
      '1E-7',
      '2.2250738585072014e-308',
      '1e400',
      '0.30000000000000004',
      '123456.789e-20',
      '9007199254740993',
      '1e22',
      '1e23',
      '4.35',
      '0.000001',
      '0.0000000000000001',
      '0.00000000000000012345678901234567',
      '1234567890123456.7891',
      '12.50',
      '-99999999999999.99',
      '1.00000000000000000e3',
      '100000000000000000000',
    ]
    const strings = ['"PT"', '""', '"2024-01-01T00:00:00Z"', '"12.5"', '"true"', '"a\\nb"', '"ü"', '"x y"', '"42"']
    const values = [...numbers, ...strings, 'true', 'false', 'null', '{}', '[1, 2]', '{"a": "b"}']
    const keys = [...schema.names, 'Id', 'COUNTRY', 'extra', 'x', 'constructor', '__proto__', '']
    let fastRows = 0
    for (let k = 0; k < 20000; k++) {
      const entries = Array.from(
        { length: Math.floor(random() * 6) },
        () =>
          `${pick(['', ' ', '\n'])}${JSON.stringify(pick(keys))}${pick(['', ' '])}:${pick(['', ' ', '\t'])}${pick(values)}`,
      )
      let text = `{${entries.join(',')}}${pick(['', ' ', '\r\n'])}`
      const damage = random()
      if (damage < 0.1) text = text.slice(0, Math.floor(random() * text.length))
      else if (damage < 0.2) {
        const at = Math.floor(random() * text.length)
        text = text.slice(0, at) + pick([',', '}', '"', ':', 'x', '-', '.']) + text.slice(at)
      }
      const a = outcome((b) => fast.decode(b), text)
      const b = outcome((b) => general.decode(b), text)
      expect(a, text).toEqual(b)
      try {
        if (scan(enc(text)) !== undefined) fastRows++
      } catch {
        fastRows++ // a conversion error, given by the scanner as by the general path
      }
    }
    // The comparison means something only if the scanner took many of them.
    expect(fastRows).toBeGreaterThan(5000)
  })
})
