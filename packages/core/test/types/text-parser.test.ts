import { describe, expect, it } from 'vitest'
import { type ConvertOptions, createTextParser, parseValue } from '../../src/types/convert.js'
import { type DataType, T, typeToString } from '../../src/types/data-type.js'
import { isDecimal } from '../../src/types/decimal.js'
import type { Value } from '../../src/types/value.js'

/** The result of parsing, comparable with toEqual: a value (decimals as text and scale) or the error message. */
function outcome(parse: () => Value): unknown {
  try {
    const v = parse()
    if (isDecimal(v)) return { decimal: v.unscaled, scale: v.scale }
    if (typeof v === 'number' && Object.is(v, -0)) return '-0 (number)'

    return v
  } catch (error) {
    return { error: (error as Error).message }
  }
}

const texts: Record<string, readonly string[]> = {
  boolean: ['true', 'false', 'TRUE', 'f', 'yes', ' true', 'maybe', '', 'constructor'],
  integer: [
    '0',
    '-0',
    '+7',
    '42',
    '-2147483648',
    '2147483647',
    '2147483648',
    '-2147483649',
    '999999999',
    '123456789012345',
    '1234567890123456',
    '9223372036854775807',
    '9223372036854775808',
    '-9223372036854775808',
    '-9223372036854775809',
    '+9223372036854775807',
    '00000000000000000000042',
    '-',
    '+',
    '',
    ' 42',
    '42 ',
    '4 2',
    '1.0',
    '1e3',
    '0x10',
    '١٢',
  ],
  number: [
    '0',
    '-0',
    '5.',
    '.5',
    '-.5',
    '+1.5',
    '-123.45',
    '0.1',
    '123.456789',
    '99999.99',
    '100000.00',
    '12345678901234.5',
    '1234567890123456.78',
    '0.000000000000000001',
    '0.0000000000000000000001',
    '99999999999999999999',
    '1e3',
    '1.5e-3',
    'NaN',
    '-Infinity',
    '1.2.3',
    '--1',
    '1-',
    '.',
    '',
    ' 1.5',
    '1.5 ',
    '12.345',
    '12.3456',
    '-0.0',
    '1234567890.12345',
    '0.000000000000001',
    '999999999999999.',
    '9007199254740993',
    '0.30000000000000004',
  ],
  date: [
    '2024-02-29',
    '2023-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-01-32',
    '0000-01-01',
    '9999-12-31',
    '+2024-01-01',
    '-202-01-01',
    '2024-01-+1',
    '2024-1-01',
    '2024/01/01',
    ' 2024-01-01',
    '20240101',
  ],
  timestamp: [
    '2024-01-01T00:00:00Z',
    '2024-01-01T00:00:00.000Z',
    '2024-01-01T00:00:00.123Z',
    '2024-01-01 12:34:56',
    '2024-01-01 12:34:56.1',
    '2024-01-01T12:34:56.123456',
    '2024-01-01T12:34:56.123456789Z',
    '2024-01-01T12:34:56.1234567891Z',
    '2024-01-01T12:34:56.123000000z',
    '2024-01-01T12:34:56,5Z',
    '2024-01-01T12:34:56.Z',
    '2024-01-01T12:34:56.Zx',
    '2024-01-01t12:34:56',
    '2024-01-01T24:00:00',
    '2024-01-01T23:60:00',
    '2024-01-01T23:59:60',
    '2023-02-29T00:00:00',
    '2024-02-29T00:00:00',
    '2024-03-10T02:30:00',
    '2024-11-03T01:30:00',
    '2024-01-01T12:34:56+05:45',
    '2024-01-01T12:34:56 Z',
    '2024-01-01T12:34:56[Europe/Lisbon]',
    '2024-01-01T12:34',
    '2024-01-01',
    '1969-12-31T23:59:59.999Z',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999999999Z',
    ' 2024-01-01T00:00:00Z',
    '2024-01-01T00:00:00Z ',
    '2024-01-01T00:00:00ZZ',
  ],
}

const cases: Array<[DataType, readonly string[]]> = [
  [T.boolean, texts.boolean!],
  [T.int32, texts.integer!],
  [T.int64, texts.integer!],
  [T.float64, [...texts.number!, ...texts.integer!]],
  [T.decimal(7, 2), texts.number!],
  [T.decimal(18, 2), texts.number!],
  [T.decimal(38, 9), texts.number!],
  [T.decimal(5, 0), [...texts.number!, ...texts.integer!]],
  [T.date, texts.date!],
  [T.timestamp('ns'), texts.timestamp!],
  [T.timestamp('us', 'UTC'), texts.timestamp!],
  [T.timestamp('ms', 'America/New_York'), texts.timestamp!],
  [T.timestamp('ms', 'Asia/Kathmandu'), texts.timestamp!],
  [T.string, ['', ' a ', 'x']],
  [T.time('us'), ['12:00:00', '12:00:00.1234567']],
]

describe('createTextParser', () => {
  for (const options of [{}, { lossy: true }, { lossy: true, disambiguation: 'later' }] as ConvertOptions[]) {
    for (const [type, inputs] of cases) {
      it(`reads ${typeToString(type)} exactly as parseValue does (${JSON.stringify(options)})`, () => {
        const parse = createTextParser(type, options)
        for (const text of inputs) {
          expect(
            outcome(() => parse(text)),
            `${JSON.stringify(text)} as ${typeToString(type)}`,
          ).toEqual(outcome(() => parseValue(text, type, options)))
        }
      })
    }
  }

  it('reads random plain numbers to the same double as Number', () => {
    const parse = createTextParser(T.float64)
    let seed = 7
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    for (let k = 0; k < 20_000; k++) {
      const digits = Array.from({ length: 1 + next(17) }, () => String(next(10))).join('')
      const point = next(digits.length + 1)
      const text = `${next(2) === 0 ? '-' : ''}${digits.slice(0, point) || '0'}.${digits.slice(point)}`
      expect(Object.is(parse(text), Number(text)), text).toBe(true)
    }
  })

  it('reads random 64-bit integers of every length exactly', () => {
    const parse = createTextParser(T.int64)
    let seed = 3
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    for (let k = 0; k < 20_000; k++) {
      const digits = Array.from({ length: 1 + next(19) }, () => String(next(10))).join('')
      const text = `${['', '-', '+'][next(3)]}${digits}`
      expect(parse(text), text).toBe(BigInt(text))
    }
    expect(parse('-9223372036854775808')).toBe(-(2n ** 63n))
    expect(parse('00000000000000000042')).toBe(42n)
  })

  it('keeps 64-bit integers, decimals and timestamps exact on the fast paths', () => {
    expect(createTextParser(T.int64)('9000000000000000123')).toBe(9000000000000000123n)
    expect(createTextParser(T.int64)('-123456789012345')).toBe(-123456789012345n)
    expect(String(createTextParser(T.decimal(10, 2))('-123.4'))).toBe('-123.40')
    expect(createTextParser(T.timestamp('ns', 'UTC'))('2024-01-01T00:00:01.000000001Z')).toBe(
      1_704_067_201_000_000_001n,
    )
  })

  it('reads no inherited object key as a boolean or special double', () => {
    for (const text of ['constructor', '__proto__', 'toString']) {
      expect(() => parseValue(text, T.boolean)).toThrow(/Cannot read .* as BOOLEAN/)
      expect(() => parseValue(text, T.float64)).toThrow(/Cannot read .* as DOUBLE/)
      expect(() => createTextParser(T.boolean)(text)).toThrow(/Cannot read .* as BOOLEAN/)
    }
  })

  it('reports a bad value with the same precise error as parseValue', () => {
    expect(() => createTextParser(T.timestamp('ms', 'UTC'))('2024-02-30T00:00:00Z')).toThrow(
      /day 30 does not exist in 2024-02/,
    )
    expect(() => createTextParser(T.timestamp('ms'))('2024-01-01T00:00:00.1234Z')).toThrow(/finer than ms/)
    expect(() => createTextParser(T.decimal(5, 2))('1234.5')).toThrow(/at most 3 digits before the decimal point/)
  })
})
