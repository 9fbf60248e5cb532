import { T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { defaultFunctions } from '../../../src/functions/index.js'
import {
  type Arg,
  big,
  bindError,
  CONTEXT,
  call,
  constant,
  date,
  dbl,
  dec,
  int,
  interval,
  NULL,
  nullOf,
  run,
  str,
  time,
  titled,
  ts,
  tstz,
  typeOf,
} from '../harness.js'

const fns = defaultFunctions()
const NY = 'America/New_York'
const u = (unit: string) => constant(str(unit))
const describeCall = (name: string, args: readonly Arg[]) =>
  `${name}(${args.map((a) => (a.value === null ? 'NULL' : typeof a.value === 'string' ? `'${a.value}'` : String(a.value))).join(', ')})`

/** [function, arguments, expected, type?]: PostgreSQL 15's answers (TimeZone America/New_York for zoned rows). */
const cases: ReadonlyArray<readonly [string, readonly Arg[], string, string?]> = [
  // EXTRACT, in the value's own zone
  ['EXTRACT', [u('YEAR'), ts('2024-03-09 14:05:07.5')], '2024', 'INT'],
  ['EXTRACT', [u('quarter'), date('2024-03-09')], '1'],
  ['EXTRACT', [u('MONTH'), ts('2024-03-09 14:05:07.5')], '3'],
  ['EXTRACT', [u('WEEK'), date('2024-12-30')], '1'],
  ['EXTRACT', [u('ISOYEAR'), date('2024-12-30')], '2025'],
  ['EXTRACT', [u('DAY'), date('2024-03-09')], '9'],
  ['EXTRACT', [u('DOW'), date('2024-03-10')], '0'],
  ['EXTRACT', [u('ISODOW'), date('2024-03-10')], '7'],
  ['EXTRACT', [u('DOY'), date('2024-12-31')], '366'],
  ['EXTRACT', [u('HOUR'), ts('2024-03-09 14:05:07.5')], '14'],
  ['EXTRACT', [u('MINUTE'), ts('2024-03-09 14:05:07.5')], '5'],
  ['EXTRACT', [u('SECOND'), ts('2024-03-09 14:05:07.5')], '7.500000', 'DECIMAL(8, 6)'],
  ['EXTRACT', [u('MILLISECOND'), ts('2024-03-09 14:05:07.5')], '7500.000', 'DECIMAL(8, 3)'],
  ['EXTRACT', [u('MICROSECOND'), ts('2024-03-09 14:05:07.5')], '7500000', 'DECIMAL(8, 0)'],
  ['EXTRACT', [u('NANOSECOND'), ts('2024-03-09 14:05:07.123456789', 'ns')], '7123456789', 'DECIMAL(11, 0)'],
  ['EXTRACT', [u('SECOND'), ts('2024-03-09 14:05:07.123456789', 'ns')], '7.123456789', 'DECIMAL(11, 9)'],
  ['EXTRACT', [u('EPOCH'), ts('2024-03-09 14:05:07.5')], '1709993107.500000', 'DECIMAL(18, 6)'],
  ['EXTRACT', [u('EPOCH'), date('2024-03-09')], '1709942400'],
  ['EXTRACT', [u('EPOCH'), ts('1969-12-31 23:59:59.5')], '-0.500000'],
  ['EXTRACT', [u('CENTURY'), date('2000-12-31')], '20'],
  ['EXTRACT', [u('CENTURY'), date('2001-01-01')], '21'],
  ['EXTRACT', [u('MILLENNIUM'), date('2001-01-01')], '3'],
  ['EXTRACT', [u('DECADE'), date('2024-01-01')], '202'],
  ['EXTRACT', [u('HOUR'), tstz('2024-03-10 12:00:00Z', NY)], '8'],
  ['EXTRACT', [u('DAY'), tstz('2024-03-10 03:00:00Z', NY)], '9'],
  ['EXTRACT', [u('TIMEZONE'), tstz('2024-03-10 12:00:00Z', NY)], '-14400'],
  ['EXTRACT', [u('TIMEZONE_HOUR'), tstz('2024-01-10 12:00:00Z', NY)], '-5'],
  ['EXTRACT', [u('EPOCH'), tstz('2024-03-10 12:00:00Z', NY)], '1710072000.000000'],
  ['EXTRACT', [u('HOUR'), time('13:45:30.25')], '13'],
  ['EXTRACT', [u('SECOND'), time('13:45:30.25')], '30.250000000'],
  ['EXTRACT', [u('YEAR'), nullOf(T.timestamp())], 'NULL'],
  ['DATE_PART', [u('year'), date('1999-12-31')], '1999'],
  // EXTRACT from an INTERVAL (PostgreSQL: 2 years 14 months, 27 hours 5 minutes, -90 minutes, ...)
  ['EXTRACT', [u('YEAR'), interval(38, 0)], '3', 'INT'],
  ['EXTRACT', [u('MONTH'), interval(14, 0)], '2'],
  ['EXTRACT', [u('QUARTER'), interval(5, 0)], '2'],
  ['EXTRACT', [u('DAY'), interval(0, 40)], '40'],
  ['EXTRACT', [u('HOUR'), interval(0, 0, 27n * 3_600_000_000_000n + 300_000_000_000n)], '27'],
  ['EXTRACT', [u('MINUTE'), interval(0, 0, 27n * 3_600_000_000_000n + 300_000_000_000n)], '5'],
  ['EXTRACT', [u('SECOND'), interval(0, 0, 62_500_000_000n)], '2.500000000'],
  ['EXTRACT', [u('MILLISECOND'), interval(0, 0, 1_500_000_000n)], '1500.000000'],
  ['EXTRACT', [u('EPOCH'), interval(13, 1, 1_000_000_000n)], '34236001.000000000'],
  ['EXTRACT', [u('YEAR'), interval(-14, 0)], '-1'],
  ['EXTRACT', [u('MONTH'), interval(-14, 0)], '-2'],
  ['EXTRACT', [u('HOUR'), interval(0, 0, -90n * 60_000_000_000n)], '-1'],
  ['EXTRACT', [u('MINUTE'), interval(0, 0, -90n * 60_000_000_000n)], '-30'],
  // DATE_TRUNC
  ['DATE_TRUNC', [u('week'), ts('2024-03-09 14:05:07.5')], '2024-03-04T00:00:00.000000'],
  ['DATE_TRUNC', [u('quarter'), ts('2024-08-09 14:05')], '2024-07-01T00:00:00.000000'],
  ['DATE_TRUNC', [u('century'), ts('2024-08-09 00:00')], '2001-01-01T00:00:00.000000'],
  ['DATE_TRUNC', [u('decade'), ts('2024-08-09 00:00')], '2020-01-01T00:00:00.000000'],
  ['DATE_TRUNC', [u('millennium'), ts('2024-08-09 00:00')], '2001-01-01T00:00:00.000000'],
  ['DATE_TRUNC', [u('second'), ts('2024-03-09 14:05:07.5')], '2024-03-09T14:05:07.000000'],
  ['DATE_TRUNC', [u('milliseconds'), ts('2024-03-09 14:05:07.123456')], '2024-03-09T14:05:07.123000'],
  ['DATE_TRUNC', [u('year'), ts('1969-06-30 12:00')], '1969-01-01T00:00:00.000000'],
  ['DATE_TRUNC', [u('month'), date('2024-03-09')], '2024-03-01', 'DATE'],
  ['DATE_TRUNC', [u('day'), tstz('2024-03-10 12:00:00Z', NY)], '2024-03-10T00:00:00.000000-05:00'],
  ['DATE_TRUNC', [u('month'), tstz('2024-03-10 12:00:00Z', NY)], '2024-03-01T00:00:00.000000-05:00'],
  ['DATE_TRUNC', [u('hour'), tstz('2024-11-03 06:30:00Z', NY)], '2024-11-03T01:00:00.000000-05:00'],
  [
    'DATE_TRUNC',
    [u('day'), tstz('2024-03-10 12:00:00Z', NY), constant(str('Asia/Tokyo'))],
    '2024-03-09T10:00:00.000000-05:00',
  ],
  // DATE_FORMAT (PostgreSQL's to_char with the equivalent pattern)
  ['DATE_FORMAT', [ts('2024-03-09 14:05:07.123456'), str('%Y-%m-%d %H:%M:%S.%f')], '2024-03-09 14:05:07.123456'],
  ['DATE_FORMAT', [ts('2024-03-09 14:05:07.123456'), str('%d/%m/%y %I:%M %p')], '09/03/24 02:05 PM'],
  [
    'DATE_FORMAT',
    [date('2024-03-09'), str('%A %e %B %Y, day %j, week %V, %a %b')],
    'Saturday  9 March 2024, day 069, week 10, Sat Mar',
  ],
  [
    'DATE_FORMAT',
    [tstz('2024-07-01 12:00:00Z', 'Europe/Paris'), str('%F %T %z %Z')],
    '2024-07-01 14:00:00 +0200 Europe/Paris',
  ],
  [
    'DATE_FORMAT',
    [ts('2024-03-09 14:05:07.123456789', 'ns'), str('%L|%N|%s|%u|%w|%G|%%')],
    '123|123456789|1709993107|6|6|2024|%',
  ],
  ['DATE_FORMAT', [ts('2024-03-09 00:00'), str('')], ''],
  ['DATE_FORMAT', [ts('2024-03-09 00:00'), nullOf(T.string)], 'NULL'],
  // FROM_UNIXTIME / TO_TIMESTAMP(number) / UNIX_TIMESTAMP
  ['FROM_UNIXTIME', [int(0)], '1970-01-01T00:00:00.000000Z', "TIMESTAMP(6) WITH TIME ZONE 'UTC'"],
  ['FROM_UNIXTIME', [big('1709990707')], '2024-03-09T13:25:07.000000Z'],
  ['FROM_UNIXTIME', [dbl(1709990707.123)], '2024-03-09T13:25:07.123000Z'],
  ['FROM_UNIXTIME', [dec('-1.5')], '1969-12-31T23:59:58.500000Z'],
  ['FROM_UNIXTIME', [dec('1.123456789')], '1970-01-01T00:00:01.123456789Z', "TIMESTAMP(9) WITH TIME ZONE 'UTC'"],
  ['TO_TIMESTAMP', [dbl(1709990707.123)], '2024-03-09T13:25:07.123000Z'],
  ['UNIX_TIMESTAMP', [tstz('2024-03-09 13:25:07Z', NY)], '1709990707', 'BIGINT'],
  ['UNIX_TIMESTAMP', [ts('1969-12-31 23:59:59.5')], '-1'], // rounds down
  ['UNIX_TIMESTAMP', [date('2024-03-09')], '1709942400'],
  ['UNIX_TIMESTAMP', [str('2024-03-09 13:25:07Z')], '1709990707'],
  ['UNIX_TIMESTAMP', [str('09.03.2024'), str('%d.%m.%Y')], '1709942400'],
  // TO_TIMESTAMP(text [, pattern])
  ['TO_TIMESTAMP', [str('2024-03-09 14:05:07.5')], '2024-03-09T14:05:07.500000000', 'TIMESTAMP(9)'],
  ['TO_TIMESTAMP', [str('2024-03-09T14:05:07.123456789Z')], '2024-03-09T14:05:07.123456789'],
  ['TO_TIMESTAMP', [str('2024-03-09T14:05:07+01:00')], '2024-03-09T13:05:07.000000000'],
  ['TO_TIMESTAMP', [str('09/03/2024 14:05'), str('%d/%m/%Y %H:%M')], '2024-03-09T14:05:00.000000000'],
  ['TO_TIMESTAMP', [str('Mar 9 2024 2:05:07.25 pm'), str('%b %d %Y %I:%M:%S.%f %p')], '2024-03-09T14:05:07.250000000'],
  ['TO_TIMESTAMP', [str('2024-069'), str('%Y-%j')], '2024-03-09T00:00:00.000000000'],
  ['TO_TIMESTAMP', [str('20240309 1405 +0530'), str('%Y%m%d %H%M %z')], '2024-03-09T08:35:00.000000000'],
  ['TO_TIMESTAMP', [str('1709990707'), str('%s')], '2024-03-09T13:25:07.000000000'],
  ['TO_TIMESTAMP', [str('100%'), str('100%%')], '1970-01-01T00:00:00.000000000'],
  [
    'TO_TIMESTAMP',
    [str('2024-02-30'), str('%Y-%m-%d')],
    "error FERRIS_TYPE_CONVERSION: Cannot read '2024-02-30' with the pattern '%Y-%m-%d': day 30 does not exist in 2024-02",
  ],
  [
    'TO_TIMESTAMP',
    [str('2024/03/09'), str('%Y-%m-%d')],
    "error FERRIS_TYPE_CONVERSION: Cannot read '2024/03/09' with the pattern '%Y-%m-%d': no match at character 5",
  ],
  [
    'TO_TIMESTAMP',
    [str('Fri 2024-03-09'), str('%a %F')],
    "error FERRIS_TYPE_CONVERSION: Cannot read 'Fri 2024-03-09' with the pattern '%a %F': the weekday or week does not agree with the date",
  ],
  ['TO_TIMESTAMP', [str('yesterday')], 'error FERRIS_TYPE_CONVERSION: Cannot read "yesterday" as a timestamp'],
  ['TO_TIMESTAMP', [str('')], 'error FERRIS_TYPE_CONVERSION'],
  ['TO_TIMESTAMP', [nullOf(T.string)], 'NULL'],
  // DATEDIFF counts unit boundaries (SQL Server, Snowflake)
  ['DATEDIFF', [u('year'), date('2023-12-31'), date('2024-01-01')], '1', 'BIGINT'],
  ['DATEDIFF', [u('month'), date('2024-01-31'), date('2024-02-01')], '1'],
  ['DATEDIFF', [u('quarter'), date('2024-03-31'), date('2024-04-01')], '1'],
  ['DATEDIFF', [u('day'), ts('2024-03-09 10:00'), ts('2024-03-10 09:00')], '1'],
  ['DATEDIFF', [u('day'), ts('2024-03-10 09:00'), ts('2024-03-09 10:00')], '-1'],
  ['DATEDIFF', [u('week'), date('2024-03-10'), date('2024-03-11')], '1'], // Sunday to Monday
  ['DATEDIFF', [u('hour'), ts('2024-03-09 10:59'), ts('2024-03-09 11:00')], '1'],
  ['DATEDIFF', [u('second'), ts('1969-12-31 23:59:59.5'), ts('1970-01-01 00:00:00')], '1'],
  ['DATEDIFF', [u('nanosecond'), ts('2024-01-01 00:00', 'ns'), ts('2024-01-01 00:00:01', 'ns')], '1000000000'],
  ['DATEDIFF', [u('day'), date('2024-03-09'), ts('2024-03-10 23:00')], '1'],
  ['DATEDIFF', [u('day'), tstz('2024-03-10 04:59:00Z', NY), tstz('2024-03-10 05:00:00Z', NY)], '1'], // local midnight in New York
  ['DATEDIFF', [u('day'), NULL, date('2024-01-01')], 'NULL'],
  // DATEADD
  ['DATEADD', [u('month'), int(1), date('2024-01-31')], '2024-02-29', 'DATE'],
  ['DATEADD', [u('year'), int(-1), date('2024-02-29')], '2023-02-28'],
  ['DATEADD', [u('quarter'), big(2), ts('2024-08-31 10:00')], '2025-02-28T10:00:00.000000'],
  ['DATEADD', [u('week'), int(1), date('2024-12-30')], '2025-01-06'],
  ['DATEADD', [u('hour'), int(25), date('2024-01-01')], '2024-01-02T01:00:00.000000', 'TIMESTAMP(6)'],
  ['DATEADD', [u('day'), int(1), tstz('2018-03-10 12:00', NY)], '2018-03-11T12:00:00.000000-04:00'],
  ['DATEADD', [u('hour'), int(24), tstz('2018-03-10 12:00', NY)], '2018-03-11T13:00:00.000000-04:00'],
  ['DATEADD', [u('nanosecond'), big(1), ts('2024-01-01 00:00', 'ns')], '2024-01-01T00:00:00.000000001'],
  ['DATEADD', [u('day'), nullOf(T.int32), date('2024-01-01')], 'NULL'],
  [
    'DATEADD',
    [u('month'), big('9000000000'), date('2024-01-01')],
    'error FERRIS_ARITHMETIC_OVERFLOW: DATEADD: 9000000000 months is out of range',
  ],
]

describe('functions: date and time functions', () => {
  it.each(titled(cases, ([name, args, e]) => `${describeCall(name, args)} = ${e}`))(
    '%s',
    (_, name, args, expected, type) => {
      const out = call(name, ...args)
      if (expected.startsWith('error ')) expect(out.startsWith(expected), out).toBe(true)
      else expect(out).toBe(expected)
      if (type !== undefined) expect(typeOf(name, ...args)).toBe(type)
    },
  )

  it('takes NOW() and CURRENT_TIMESTAMP from the statement start, in the session zone', () => {
    const now = fns.resolve('NOW').bind([], [], { timeZone: 'Europe/Paris' })
    expect(now.type).toEqual(T.timestamp('us', 'Europe/Paris'))
    expect(run(now, [])).toBe(1_717_243_200_123_456_000n) // truncated to microseconds
    expect(fns.resolve('current_timestamp').bind([], []).type).toEqual(T.timestamp('us', 'UTC'))
    const late = { ...CONTEXT, queryStartNanos: 1_717_279_000_000_000_000n } // 2024-06-01T22:56:40Z
    expect(run(fns.resolve('CURRENT_DATE').bind([], [], { timeZone: 'Asia/Tokyo' }), [], late)).toBe(19876) // 2024-06-02
    expect(run(fns.resolve('UNIX_TIMESTAMP').bind([], []), [])).toBe(1_717_243_200n)
  })

  it('refuses bad units, zones, patterns and types at bind time', () => {
    expect(bindError(() => fns.resolve('EXTRACT').bind([T.string, T.date], ['HOUR', undefined]))).toBe(
      "FERRIS_SQL_SEMANTIC: EXTRACT: 'HOUR' is not a unit EXTRACT accepts",
    )
    expect(bindError(() => fns.resolve('EXTRACT').bind([T.string, T.timestamp()], ['FORTNIGHT', undefined]))).toMatch(
      /'FORTNIGHT' is not a unit EXTRACT accepts/,
    )
    expect(bindError(() => fns.resolve('EXTRACT').bind([T.string, T.timestamp()], [undefined, undefined]))).toMatch(
      /EXTRACT: argument 1 \(field name such as YEAR\) must be a constant/,
    )
    expect(bindError(() => fns.resolve('EXTRACT').bind([T.string, T.string], ['YEAR', undefined]))).toMatch(
      /EXTRACT: argument 2 has type STRING, but a DATE, TIME, TIMESTAMP or INTERVAL is required/,
    )
    expect(bindError(() => fns.resolve('EXTRACT').bind([T.string, T.timestamp()], ['TIMEZONE', undefined]))).toMatch(
      /'TIMEZONE' is not a unit/,
    )
    expect(bindError(() => fns.resolve('DATE_TRUNC').bind([T.string, T.date], ['hour', undefined]))).toMatch(
      /DATE_TRUNC: 'hour' is not a unit DATE_TRUNC accepts/,
    )
    expect(
      bindError(() =>
        fns
          .resolve('DATE_TRUNC')
          .bind([T.string, T.timestamp('us', 'UTC'), T.string], ['day', undefined, 'Mars/Olympus']),
      ),
    ).toMatch(/^FERRIS_SQL_SEMANTIC: DATE_TRUNC: unknown time zone 'Mars\/Olympus'/)
    expect(
      bindError(() => fns.resolve('DATE_TRUNC').bind([T.string, T.timestamp(), T.string], ['day', undefined, 'UTC'])),
    ).toMatch(/a TIMESTAMP WITH TIME ZONE when a zone is given/)
    expect(bindError(() => fns.resolve('DATE_FORMAT').bind([T.timestamp(), T.string], [undefined, '%Q']))).toMatch(
      /^FERRIS_SQL_SEMANTIC: Date pattern '%Q' has an unknown directive %Q/,
    )
    expect(bindError(() => fns.resolve('DATE_FORMAT').bind([T.timestamp(), T.string], [undefined, 'x%']))).toMatch(
      /ends with a lone %/,
    )
    expect(bindError(() => fns.resolve('TO_TIMESTAMP').bind([T.string, T.string], [undefined, '%Y-%q']))).toMatch(
      /unknown directive %q/,
    )
    expect(
      bindError(() => fns.resolve('DATEDIFF').bind([T.string, T.date, T.string], ['day', undefined, undefined])),
    ).toMatch(/DATEDIFF: argument 3 has type STRING, but a DATE or TIMESTAMP is required/)
    expect(
      bindError(() => fns.resolve('DATEADD').bind([T.string, T.float64, T.date], ['day', undefined, undefined])),
    ).toMatch(/DATEADD: argument 2 has type DOUBLE, but an integer count/)
    expect(bindError(() => fns.resolve('FROM_UNIXTIME').bind([T.string], []))).toMatch(
      /FROM_UNIXTIME: argument 1 has type STRING/,
    )
    expect(bindError(() => fns.resolve('NOW').bind([T.int32], []))).toBe(
      'FERRIS_SQL_SEMANTIC: NOW takes 0 arguments, but 1 was given',
    )
  })

  it('formats with a pattern from a column, recompiling only when it changes', () => {
    const fn = fns.resolve('DATE_FORMAT').bind([T.date, T.string], [])
    expect(run(fn, [19791, '%Y'])).toBe('2024')
    expect(run(fn, [19791, '%m'])).toBe('03')
    expect(bindError(() => run(fn, [19791, '%Q']))).toMatch(
      /^FERRIS_EVALUATION: Date pattern '%Q' has an unknown directive/,
    )
  })
})
