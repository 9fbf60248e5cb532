import { describe, expect, it } from 'vitest'
import { castValue, createConverter, formatValue, isValueOf, parseValue } from '../../src/types/convert.js'
import { type DataType, T, typeToString } from '../../src/types/data-type.js'
import { Decimal } from '../../src/types/decimal.js'
import { Interval } from '../../src/types/interval.js'
import type { Value } from '../../src/types/value.js'

const at = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n
const D = (text: string) => Decimal.parse(text)
const MAX64 = 2n ** 63n - 1n
const MIN64 = -(2n ** 63n)
const D38 = '12345678901234567890123456789.012345678'

/** [text, type, value, canonical text] — parse, format, and the round trip. */
const textCases: Array<[string, DataType, Value, string]> = [
  ['true', T.boolean, true, 'true'],
  ['Off', T.boolean, false, 'false'],
  ['-2147483648', T.int32, -2147483648, '-2147483648'],
  ['9223372036854775807', T.int64, MAX64, '9223372036854775807'],
  ['-9223372036854775808', T.int64, MIN64, '-9223372036854775808'],
  ['+42', T.int64, 42n, '42'],
  ['0.1', T.float64, 0.1, '0.1'],
  ['-1.5e300', T.float64, -1.5e300, '-1.5e+300'],
  ['NaN', T.float64, Number.NaN, 'NaN'],
  ['-Infinity', T.float64, Number.NEGATIVE_INFINITY, '-Infinity'],
  ['-0', T.float64, -0, '-0'],
  [D38, T.decimal(38, 9), D(D38), D38],
  [
    '-99999999999999999999999999999999999999',
    T.decimal(38, 0),
    D('-99999999999999999999999999999999999999'),
    '-99999999999999999999999999999999999999',
  ],
  ['1.5', T.decimal(10, 3), D('1.500'), '1.500'],
  ['1e-2', T.decimal(5, 2), D('0.01'), '0.01'],
  ['  spaced  ', T.string, '  spaced  ', '  spaced  '],
  ['3q2+7w==', T.bytes, new Uint8Array([0xde, 0xad, 0xbe, 0xef]), '3q2+7w=='],
  ['\\xDEADbeef', T.bytes, new Uint8Array([0xde, 0xad, 0xbe, 0xef]), '3q2+7w=='],
  ['1969-07-20', T.date, -165, '1969-07-20'],
  ['1600-02-29', T.date, -135081, '1600-02-29'],
  ['13:45:30.123456', T.time('us'), 49_530_123_456_000n, '13:45:30.123456'],
  [
    '2024-03-10T07:30:00.123456789Z',
    T.timestamp('ns', 'UTC'),
    at('2024-03-10T07:30:00Z') + 123_456_789n,
    '2024-03-10T07:30:00.123456789Z',
  ],
  ['2024-03-10T07:30:00.123', T.timestamp('ms'), at('2024-03-10T07:30:00.123Z'), '2024-03-10T07:30:00.123'],
  [
    '2024-03-10 13:15:00+05:45',
    T.timestamp('us', 'Asia/Kathmandu'),
    at('2024-03-10T07:30:00Z'),
    '2024-03-10T13:15:00.000000+05:45',
  ],
  [
    '2024-03-10T03:30:00',
    T.timestamp('ms', 'America/New_York'),
    at('2024-03-10T07:30:00Z'),
    '2024-03-10T03:30:00.000-04:00',
  ],
  ['1960-02-29T12:00:00Z', T.timestamp('ms', 'UTC'), at('1960-02-29T12:00:00Z'), '1960-02-29T12:00:00.000Z'],
  ['P1Y2M3DT4H5M6.5S', T.interval, new Interval(14, 3, 14_706_500_000_000n), 'P14M3DT14706.5S'],
  ['-PT30S', T.interval, new Interval(0, 0, -30_000_000_000n), 'PT-30S'],
  ['P2W', T.interval, new Interval(0, 14, 0n), 'P14D'],
  ['[1, 2, null]', T.list(T.int64), [1n, 2n, null], '[1,2,null]'],
  ['[9223372036854775807]', T.list(T.int64), [MAX64], '[9223372036854775807]'],
  ['[1e3, 2.0]', T.list(T.int32), [1000, 2], '[1000,2]'],
  ['["2024-02-29"]', T.list(T.date), [19782], '["2024-02-29"]'],
  [
    '{"a": 1.10, "b": 12345678901234567890.5}',
    T.map(T.string, T.decimal(38, 2)),
    new Map([
      ['a', D('1.10')],
      ['b', D('12345678901234567890.50')],
    ]),
    '{"a":1.10,"b":12345678901234567890.50}',
  ],
  ['{"1": true}', T.map(T.int32, T.boolean), new Map([[1, true]]), '{"1":true}'],
  [
    '{"id": 9007199254740993, "at": "2024-03-10T07:30:00Z", "tags": ["x"]}',
    T.struct([
      { name: 'id', type: T.int64, nullable: false },
      { name: 'at', type: T.timestamp('ms', 'UTC'), nullable: true },
      { name: 'tags', type: T.list(T.string), nullable: true },
    ]),
    { id: 9007199254740993n, at: at('2024-03-10T07:30:00Z'), tags: ['x'] },
    '{"id":9007199254740993,"at":"2024-03-10T07:30:00.000Z","tags":["x"]}',
  ],
]

describe('core: parseValue and formatValue', () => {
  it.each(textCases)('reads %j as %s', (text, type, value) => {
    const parsed = parseValue(text, type)
    expect(parsed).toEqual(value)
    expect(isValueOf(parsed, type)).toBe(true)
  })

  it.each(textCases)(
    'prints the value of %j as %s canonically, and reads that back',
    (_text, type, value, canonical) => {
      expect(formatValue(value, type)).toBe(canonical)
      expect(parseValue(canonical, type)).toEqual(value)
    },
  )

  it.each([
    [
      'yes please',
      T.boolean,
      'Cannot read "yes please" as BOOLEAN. Expected true or false (also t/f, yes/no, on/off, 1/0)',
    ],
    [
      '2147483648',
      T.int32,
      'Cannot read "2147483648" as INT: out of range. Expected an integer from -2147483648 to 2147483647',
    ],
    ['9223372036854775808', T.int64, 'Cannot read "9223372036854775808" as BIGINT: out of range.'],
    ['1.5', T.int64, 'Cannot read "1.5" as BIGINT. Expected an integer such as -42'],
    ['1,5', T.float64, 'Cannot read "1,5" as DOUBLE'],
    ['1e400', T.float64, 'Cannot read "1e400" as DOUBLE: out of range'],
    ['-1e-400', T.float64, 'Cannot read "-1e-400" as DOUBLE: too small for a double (it would read as 0)'],
    ['1.234', T.decimal(10, 2), 'Cannot read "1.234" as DECIMAL(10, 2): has more than 2 fractional digits'],
    [
      '123456789',
      T.decimal(5, 2),
      '"123456789" (STRING) is out of the range of DECIMAL(5, 2), which holds at most 3 digits',
    ],
    ['not base64!', T.bytes, 'Cannot read "not base64!" as BYTES'],
    ['2023-02-29', T.date, 'Cannot read "2023-02-29" as a date: day 29 does not exist in 2023-02'],
    ['12:00:00.1234', T.time('ms'), 'Cannot read "12:00:00.1234" as TIME(3): finer than ms'],
    [
      '2024-03-10T07:30:00.0001Z',
      T.timestamp('ms'),
      'Cannot read "2024-03-10T07:30:00.0001Z" as TIMESTAMP(3): finer than ms',
    ],
    [
      '2024-03-10T02:30:00',
      T.timestamp('ms', 'America/New_York'),
      'does not exist (clocks go forward) in time zone America/New_York',
    ],
    ['P', T.interval, 'Cannot read "P" as INTERVAL'],
    ['[1, "x"]', T.list(T.int32), 'Cannot read "x" as INT'],
    ['[1', T.list(T.int32), 'as JSON: expected "," or "]" at character 3'],
    ['{"a": 1}', T.list(T.int32), 'an object does not fit LIST<INT>'],
    ['{"id": 1, "extra": 2}', T.struct([{ name: 'id', type: T.int32, nullable: false }]), 'unknown field "extra"'],
    ['{}', T.struct([{ name: 'id', type: T.int32, nullable: false }]), 'field id is missing or null'],
  ])('rejects %j as %s', (text, type, message) => {
    expect(() => parseValue(text, type)).toThrow(expect.objectContaining({ code: 'FERRIS_TYPE_CONVERSION' }))
    expect(() => parseValue(text, type)).toThrow(message)
  })

  it('reads finer digits and DST gaps when lossy', () => {
    expect(parseValue('12:00:00.1239', T.time('ms'), { lossy: true })).toBe(43_200_123_000_000n)
    expect(parseValue('1.235', T.decimal(10, 2), { lossy: true })).toEqual(D('1.24'))
    expect(parseValue('2024-03-10T02:30:00', T.timestamp('ms', 'America/New_York'), { lossy: true })).toBe(
      at('2024-03-10T07:30:00Z'),
    )
  })
})

/** [value, from, to, result] for exact conversions. */
const exact: Array<[Value, DataType, DataType, Value]> = [
  [2147483647, T.int32, T.int64, 2147483647n],
  [-2147483648n, T.int64, T.int32, -2147483648],
  [MAX64, T.int64, T.decimal(19, 0), D('9223372036854775807')],
  [MIN64, T.int64, T.decimal(38, 2), D('-9223372036854775808.00')],
  [D('9223372036854775807'), T.decimal(38, 0), T.int64, MAX64],
  [D('-9223372036854775808.000'), T.decimal(38, 3), T.int64, MIN64],
  [MAX64, T.int64, T.string, '9223372036854775807'],
  ['-9223372036854775808', T.string, T.int64, MIN64],
  [2n ** 53n, T.int64, T.float64, 2 ** 53],
  [3.0, T.float64, T.int32, 3],
  [-(2 ** 62), T.float64, T.int64, -(2n ** 62n)],
  [1.5, T.float64, T.decimal(10, 2), D('1.50')],
  [0.1, T.float64, T.decimal(3, 1), D('0.1')],
  [D('0.5'), T.decimal(5, 1), T.float64, 0.5],
  [D('1152921504606846976'), T.decimal(38, 0), T.float64, 2 ** 60],
  [2 ** 60, T.float64, T.decimal(38, 0), D('1152921504606846976')],
  [1e21, T.float64, T.decimal(38, 2), D('1000000000000000000000.00')],
  [D(D38), T.decimal(38, 9), T.decimal(38, 9), D(D38)],
  [D('1.5'), T.decimal(5, 1), T.decimal(10, 4), D('1.5000')],
  [D('12.340'), T.decimal(5, 3), T.decimal(4, 2), D('12.34')],
  [D(D38), T.decimal(38, 9), T.string, D38],
  [1, T.int32, T.boolean, true],
  [0n, T.int64, T.boolean, false],
  [true, T.boolean, T.int64, 1n],
  ['café', T.string, T.bytes, new Uint8Array([0x63, 0x61, 0x66, 0xc3, 0xa9])],
  [new Uint8Array([0x63, 0x61, 0x66, 0xc3, 0xa9]), T.bytes, T.string, 'café'],
  [at('2024-03-10T07:30:00.123Z'), T.timestamp('ns'), T.timestamp('ms'), at('2024-03-10T07:30:00.123Z')],
  [
    at('2024-03-10T07:30:00Z'),
    T.timestamp('ms', 'UTC'),
    T.timestamp('ms', 'Asia/Kathmandu'),
    at('2024-03-10T07:30:00Z'),
  ],
  [at('2024-03-10T07:30:00Z'), T.timestamp('ms', 'UTC'), T.timestamp('ms'), at('2024-03-10T07:30:00Z')],
  [at('2024-03-10T07:30:00Z'), T.timestamp('ms', 'America/New_York'), T.timestamp('ms'), at('2024-03-10T03:30:00Z')],
  [at('2024-03-10T03:30:00Z'), T.timestamp('ms'), T.timestamp('ms', 'America/New_York'), at('2024-03-10T07:30:00Z')],
  [at('2024-03-10T13:15:00Z'), T.timestamp('us'), T.timestamp('us', '+05:45'), at('2024-03-10T07:30:00Z')],
  [19782, T.date, T.timestamp('ms'), at('2024-02-29T00:00:00Z')],
  [-1, T.date, T.timestamp('ns', 'Europe/Paris'), at('1969-12-30T23:00:00Z')],
  [at('2024-02-29T00:00:00Z'), T.timestamp('ms'), T.date, 19782],
  [at('2024-02-29T23:00:00Z'), T.timestamp('ms', 'Europe/Paris'), T.date, 19783],
  [at('1969-12-31T00:00:00Z'), T.timestamp('ns'), T.date, -1],
  [45_000_000_000n, T.time('ns'), T.time('ms'), 45_000_000_000n],
  [at('2024-03-10T07:30:00Z') + 123_456_789n, T.timestamp('ns', 'UTC'), T.string, '2024-03-10T07:30:00.123456789Z'],
  ['2024-03-10T07:30:00Z', T.string, T.timestamp('us', 'UTC'), at('2024-03-10T07:30:00Z')],
  [[1, 2], T.list(T.int32), T.list(T.int64), [1n, 2n]],
  [new Map([['a', 1]]), T.map(T.string, T.int32), T.map(T.string, T.decimal(5, 1)), new Map([['a', D('1.0')]])],
  [
    { a: 1, b: 'x' },
    T.struct([
      { name: 'a', type: T.int32, nullable: true },
      { name: 'b', type: T.string, nullable: true },
    ]),
    T.struct([
      { name: 'x', type: T.int64, nullable: true },
      { name: 'y', type: T.string, nullable: true },
    ]),
    { x: 1n, y: 'x' },
  ],
  [null, T.int64, T.int32, null],
  [null, T.null, T.timestamp('ms'), null],
]

describe('core: castValue exact conversions', () => {
  it.each(exact)('converts %s from %s to %s', (value, from, to, result) => {
    expect(castValue(value, from, to)).toEqual(result)
  })
})

/** [value, from, to, message of the strict error, result when lossy]. */
const lossy: Array<[Value, DataType, DataType, string, Value]> = [
  [2.5, T.float64, T.int32, 'Converting 2.5 from DOUBLE to INT loses its fractional part', 3],
  [-2.5, T.float64, T.int64, 'Converting -2.5 from DOUBLE to BIGINT loses its fractional part', -3n],
  [D('7.5'), T.decimal(5, 1), T.int32, 'Converting 7.5 from DECIMAL(5, 1) to INT loses its fractional part', 8],
  [
    D('1.235'),
    T.decimal(10, 3),
    T.decimal(10, 2),
    'Converting 1.235 from DECIMAL(10, 3) to DECIMAL(10, 2) loses digits beyond scale 2',
    D('1.24'),
  ],
  [D('-1.235'), T.decimal(10, 3), T.decimal(10, 2), 'loses digits beyond scale 2', D('-1.24')],
  [
    0.125,
    T.float64,
    T.decimal(10, 2),
    'Converting 0.125 from DOUBLE to DECIMAL(10, 2) loses digits beyond scale 2',
    D('0.13'),
  ],
  [
    2n ** 53n + 1n,
    T.int64,
    T.float64,
    'Converting 9007199254740993 from BIGINT to DOUBLE is not exact (the nearest double is 9007199254740992)',
    2 ** 53,
  ],
  [D(D38), T.decimal(38, 9), T.float64, `Converting ${D38} from DECIMAL(38, 9) to DOUBLE is not exact`, Number(D38)],
  [
    at('2024-03-10T07:30:00Z') + 123_456_789n,
    T.timestamp('ns', 'UTC'),
    T.timestamp('ms', 'UTC'),
    "Converting 2024-03-10T07:30:00.123456789Z from TIMESTAMP(9) WITH TIME ZONE 'UTC' to TIMESTAMP(3) WITH TIME ZONE 'UTC' loses digits finer than ms",
    at('2024-03-10T07:30:00.123Z'),
  ],
  [-1n, T.timestamp('ns'), T.timestamp('ms'), 'loses digits finer than ms', -1_000_000n],
  [
    at('2024-02-29T12:00:00Z'),
    T.timestamp('ms'),
    T.date,
    'Converting 2024-02-29T12:00:00.000 from TIMESTAMP(3) to DATE loses its time of day',
    19782,
  ],
  [at('1969-12-31T12:00:00Z'), T.timestamp('ms'), T.date, 'loses its time of day', -1],
  [at('2024-02-29T12:00:00Z'), T.timestamp('ms'), T.time('ms'), 'loses its date', 43_200_000_000_000n],
  [
    at('2024-03-10T02:30:00Z'),
    T.timestamp('ms'),
    T.timestamp('ms', 'America/New_York'),
    'The local time 2024-03-10T02:30:00.000000000 does not exist (clocks go forward) in time zone America/New_York',
    at('2024-03-10T07:30:00Z'),
  ],
  [
    at('2024-11-03T01:30:00Z'),
    T.timestamp('ms'),
    T.timestamp('ms', 'America/New_York'),
    'occurs twice',
    at('2024-11-03T05:30:00Z'),
  ],
  [new Uint8Array([0xff]), T.bytes, T.string, 'is not UTF-8 text', '\uFFFD'],
  ['1.999', T.string, T.decimal(4, 2), 'has more than 2 fractional digits', D('2.00')],
]

describe('core: castValue lossy conversions', () => {
  it.each(lossy)('refuses %s from %s to %s unless lossy', (value, from, to, message, result) => {
    expect(() => castValue(value, from, to)).toThrow(expect.objectContaining({ code: 'FERRIS_TYPE_CONVERSION' }))
    expect(() => castValue(value, from, to)).toThrow(message)
    expect(castValue(value, from, to, { lossy: true })).toEqual(result)
  })
})

/** Out of range: wrong even when rounding is allowed. */
const outOfRange: Array<[Value, DataType, DataType, string]> = [
  [MAX64, T.int64, T.int32, '9223372036854775807 (BIGINT) is out of the range of INT, -2147483648 to 2147483647'],
  [2147483648n, T.int64, T.int32, 'out of the range of INT'],
  [2 ** 63, T.float64, T.int64, 'out of the range of BIGINT'],
  [Number.NaN, T.float64, T.int32, 'NaN (DOUBLE) is out of the range of INT, which has no NaN or infinity'],
  [Number.POSITIVE_INFINITY, T.float64, T.decimal(10, 2), 'which has no NaN or infinity'],
  [D('9223372036854775808'), T.decimal(38, 0), T.int64, 'out of the range of BIGINT'],
  [
    D('123.45'),
    T.decimal(5, 2),
    T.decimal(4, 2),
    '123.45 (DECIMAL(5, 2)) is out of the range of DECIMAL(4, 2), which holds at most 2 digits before the decimal point',
  ],
  [MAX64, T.int64, T.decimal(18, 0), 'out of the range of DECIMAL(18, 0)'],
]

describe('core: castValue range errors', () => {
  it.each(outOfRange)('refuses %s from %s to %s even when lossy', (value, from, to, message) => {
    expect(() => castValue(value, from, to)).toThrow(message)
    expect(() => castValue(value, from, to, { lossy: true })).toThrow(message)
  })

  it.each([
    [T.date, T.int32],
    [T.int64, T.timestamp('ms')],
    [T.time('ms'), T.timestamp('ms')],
    [T.bytes, T.int32],
    [T.list(T.int32), T.map(T.string, T.int32)],
  ])('has no conversion from %o to %o', (from, to) => {
    expect(() => createConverter(from, to)).toThrow(
      `There is no conversion from ${typeToString(from)} to ${typeToString(to)}`,
    )
  })

  it('reports a value whose representation does not match its type as an internal error', () => {
    expect(() => castValue(5, T.int64, T.int32)).toThrow(expect.objectContaining({ code: 'FERRIS_INTERNAL' }))
    expect(() => castValue(5, T.int64, T.int32)).toThrow('A BIGINT value is represented by a number (5)')
  })

  it('converts a batch of values with one converter', () => {
    const convert = createConverter(T.string, T.timestamp('us', 'UTC'))
    const values = Array.from({ length: 1000 }, (_, i) => `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`)
    const out = values.map(convert)
    expect(out[59]).toBe(at('2024-01-01T00:00:59Z'))
  })
})
