import {
  civilFromDays,
  type DataType,
  Decimal,
  FerrisError,
  floorDiv,
  type Interval,
  NANOS_PER_DAY,
  NANOS_PER_SECOND,
  T,
  type TimeUnit,
  UNIT_DIGITS,
  type Value,
} from '@ferris/core'
import { argTypeError, bound, checkArity, requireStringLiteral, semanticError } from '../bind-support.js'
import { defineFunction } from '../define.js'
import type { BoundFunction } from '../function-definition.js'
import { pow10 } from '../numeric/decimal-types.js'
import { isoDayOfWeek } from './calendar.js'
import { isoWeek, type LocalFields, localFields } from './local-fields.js'
import { temporalInput } from './temporal-input.js'
import { type TimeField, timeField } from './units.js'

const SIGNATURE = "EXTRACT(field FROM x) → INT or DECIMAL; also DATE_PART('field', x)"

const DATE_FIELDS: readonly TimeField[] = [
  'MILLENNIUM',
  'CENTURY',
  'DECADE',
  'YEAR',
  'ISOYEAR',
  'QUARTER',
  'MONTH',
  'WEEK',
  'DAY',
  'DOW',
  'ISODOW',
  'DOY',
  'EPOCH',
]
const CLOCK_FIELDS: readonly TimeField[] = ['HOUR', 'MINUTE', 'SECOND', 'MILLISECOND', 'MICROSECOND', 'NANOSECOND']
const ZONE_FIELDS: readonly TimeField[] = ['TIMEZONE', 'TIMEZONE_HOUR', 'TIMEZONE_MINUTE']

/** Digits of the sub-second fields: SECOND counts whole seconds, MILLISECOND thousandths, ... */
const BASE_DIGITS: Partial<Record<TimeField, number>> = { SECOND: 0, MILLISECOND: 3, MICROSECOND: 6, NANOSECOND: 9 }

const HOUR_NANOS = 3_600_000_000_000n
const MINUTE_NANOS = 60_000_000_000n

/** The common fields, computed without building every calendar field (EXTRACT(HOUR ...) in a filter). */
function directField(field: TimeField): ((local: bigint) => number) | undefined {
  const dayOf = (local: bigint) => Number(floorDiv(local, NANOS_PER_DAY))
  switch (field) {
    case 'HOUR':
      return (local) => Number((local - floorDiv(local, NANOS_PER_DAY) * NANOS_PER_DAY) / HOUR_NANOS)
    case 'MINUTE':
      return (local) => Number((local - floorDiv(local, HOUR_NANOS) * HOUR_NANOS) / MINUTE_NANOS)
    case 'YEAR':
      return (local) => civilFromDays(dayOf(local))[0]
    case 'MONTH':
      return (local) => civilFromDays(dayOf(local))[1]
    case 'DAY':
      return (local) => civilFromDays(dayOf(local))[2]
    case 'DOW':
      return (local) => isoDayOfWeek(dayOf(local)) % 7
    case 'ISODOW':
      return (local) => isoDayOfWeek(dayOf(local))
    default:
      return undefined
  }
}

function integerField(field: TimeField): ((f: LocalFields) => number) | undefined {
  switch (field) {
    case 'MILLENNIUM':
      return (f) => (f.year > 0 ? Math.floor((f.year + 999) / 1000) : -Math.floor((999 - f.year + 1) / 1000))
    case 'CENTURY':
      return (f) => (f.year > 0 ? Math.floor((f.year + 99) / 100) : -Math.floor((99 - f.year + 1) / 100))
    case 'DECADE':
      return (f) => Math.floor(f.year / 10)
    case 'YEAR':
      return (f) => f.year
    case 'ISOYEAR':
      return (f) => isoWeek(f.days).isoYear
    case 'QUARTER':
      return (f) => Math.floor((f.month - 1) / 3) + 1
    case 'MONTH':
      return (f) => f.month
    case 'WEEK':
      return (f) => isoWeek(f.days).week
    case 'DAY':
      return (f) => f.day
    case 'DOW':
      return (f) => f.isoDow % 7
    case 'ISODOW':
      return (f) => f.isoDow
    case 'DOY':
      return (f) => f.doy
    case 'HOUR':
      return (f) => f.hour
    case 'MINUTE':
      return (f) => f.minute
    default:
      return undefined
  }
}

/**
 * EXTRACT(field FROM x), with PostgreSQL's fields and meanings, read in the value's own zone (a local
 * timestamp as written, a zoned one in its zone). Calendar fields are INT: YEAR, QUARTER, MONTH, WEEK (ISO),
 * DAY, DOW (0 = Sunday), ISODOW (1 = Monday), DOY, HOUR, MINUTE, ISOYEAR, DECADE, CENTURY, MILLENNIUM, and
 * TIMEZONE (offset seconds), TIMEZONE_HOUR, TIMEZONE_MINUTE. SECOND, MILLISECOND, MICROSECOND and NANOSECOND
 * count from the start of the minute with the type's fractional digits, exactly, as DECIMAL (a
 * TIMESTAMP(6) at 10:00:30.5 has SECOND 30.500000 and MILLISECOND 30500.000). EPOCH is the seconds since
 * 1970-01-01 as DECIMAL. The parser turns `EXTRACT(YEAR FROM x)` into `EXTRACT('YEAR', x)`.
 */
export const extract = defineFunction({
  name: 'EXTRACT',
  aliases: ['DATE_PART'],
  signature: SIGNATURE,
  bind(argTypes, literals): BoundFunction {
    checkArity('EXTRACT', SIGNATURE, argTypes, 2)
    const fieldName = requireStringLiteral('EXTRACT', 0, literals, 'field name such as YEAR')
    const t = argTypes[1]!
    if (t.kind === 'null') return bound(T.int32, () => null)
    if (t.kind === 'time') return bindTime(fieldName, t.unit)
    if (t.kind === 'interval') return bindInterval(fieldName)
    if (t.kind !== 'date' && t.kind !== 'timestamp') {
      throw argTypeError('EXTRACT', 1, t, 'a DATE, TIME, TIMESTAMP or INTERVAL', SIGNATURE)
    }
    const accepted =
      t.kind === 'date'
        ? DATE_FIELDS
        : t.timezone !== undefined
          ? [...DATE_FIELDS, ...CLOCK_FIELDS, ...ZONE_FIELDS]
          : [...DATE_FIELDS, ...CLOCK_FIELDS]
    const field = timeField('EXTRACT', fieldName, accepted)
    const input = temporalInput('EXTRACT', 1, t, SIGNATURE)
    const toLocal = input.toLocal
    const direct = directField(field)
    if (direct !== undefined) return bound(T.int32, (args) => direct(toLocal(args[1]!)))
    const integer = integerField(field)
    if (integer !== undefined) return bound(T.int32, (args) => integer(localFields(toLocal(args[1]!))))
    const digits = t.kind === 'date' ? 0 : UNIT_DIGITS[t.unit]
    const base = BASE_DIGITS[field]
    if (base !== undefined) {
      const [type, f] = subSecond(base, digits)

      return bound(type, (args) => f(toLocal(args[1]!)))
    }
    if (field === 'EPOCH') {
      // The epoch of a zoned value is its instant; of a local one, its wall clock read as UTC (PostgreSQL's
      // "nominal" epoch of a timestamp without time zone).
      const read = input.zoned ? (v: Value) => v as bigint : toLocal
      const scale = digits
      const step = pow10(9 - scale)

      return bound(T.decimal(12 + scale, scale), (args) => new Decimal(floorDiv(read(args[1]!), step), scale))
    }
    const zone = input.zone
    const offsetSeconds = (v: Value) => Number(zone.offsetAt(v as bigint) / NANOS_PER_SECOND)
    switch (field) {
      case 'TIMEZONE':
        return bound(T.int32, (args) => offsetSeconds(args[1]!))
      case 'TIMEZONE_HOUR':
        return bound(T.int32, (args) => Math.trunc(offsetSeconds(args[1]!) / 3600))
      case 'TIMEZONE_MINUTE':
        return bound(T.int32, (args) => Math.trunc((offsetSeconds(args[1]!) % 3600) / 60))
      default:
        throw semanticError(`EXTRACT: field ${field} is not supported for ${t.kind}`)
    }
  },
})

/** SECOND/MILLISECOND/MICROSECOND/NANOSECOND: the time since the minute began, in the field's unit. */
function subSecond(base: number, digits: number): [DataType, (local: bigint) => Decimal] {
  const keep = Math.max(digits, base)
  const scale = keep - base
  const step = pow10(9 - keep)
  const type = T.decimal(2 + base + scale, scale)
  const minute = 60n * NANOS_PER_SECOND

  return [
    type,
    (local) => {
      const inMinute = local - floorDiv(local, minute) * minute

      return new Decimal(inMinute / step, scale)
    },
  ]
}

function bindTime(fieldName: string, unit: TimeUnit): BoundFunction {
  const field = timeField('EXTRACT', fieldName, [...CLOCK_FIELDS, 'EPOCH'])
  const digits = UNIT_DIGITS[unit]
  if (field === 'HOUR') return bound(T.int32, (args) => Number((args[1] as bigint) / 3_600_000_000_000n))
  if (field === 'MINUTE') return bound(T.int32, (args) => Number(((args[1] as bigint) / 60_000_000_000n) % 60n))
  if (field === 'EPOCH') {
    const step = pow10(9 - digits)

    return bound(T.decimal(5 + digits, digits), (args) => new Decimal((args[1] as bigint) / step, digits))
  }
  const [type, f] = subSecond(BASE_DIGITS[field]!, digits)

  return bound(type, (args) => f(args[1] as bigint))
}

const SECONDS_PER_YEAR = 31_557_600n // 365.25 days, as PostgreSQL counts a year of an interval
const MINUTE_OF_NANOS = 60_000_000_000n

/**
 * EXTRACT from an INTERVAL, as PostgreSQL: YEAR and MONTH split the month part (14 months is 1 year 2
 * months), QUARTER is the month's quarter, DAY the day part, HOUR and MINUTE and the sub-second fields the
 * time part (27 hours stay 27 hours); values keep the interval's sign. EPOCH counts a year as 365.25 days
 * and a month as 30.
 */
function bindInterval(fieldName: string): BoundFunction {
  const field = timeField('EXTRACT', fieldName, [
    'YEAR',
    'QUARTER',
    'MONTH',
    'DAY',
    'HOUR',
    'MINUTE',
    'SECOND',
    'MILLISECOND',
    'MICROSECOND',
    'NANOSECOND',
    'EPOCH',
  ])
  const iv = (v: Value) => v as Interval
  const toInt32 = (n: bigint, v: Value): number => {
    if (n > 2_147_483_647n || n < -2_147_483_648n) {
      throw new FerrisError('FERRIS_ARITHMETIC_OVERFLOW', `EXTRACT(${field} FROM ${String(v)}) does not fit in INT`)
    }

    return Number(n)
  }
  switch (field) {
    case 'YEAR':
      return bound(T.int32, (args) => Math.trunc(iv(args[1]!).months / 12))
    case 'MONTH':
      return bound(T.int32, (args) => (iv(args[1]!).months % 12) + 0)
    case 'QUARTER':
      return bound(T.int32, (args) => Math.trunc((iv(args[1]!).months % 12) / 3) + 1)
    case 'DAY':
      return bound(T.int32, (args) => iv(args[1]!).days)
    case 'HOUR':
      return bound(T.int32, (args) => toInt32(iv(args[1]!).nanos / 3_600_000_000_000n, args[1]!))
    case 'MINUTE':
      return bound(T.int32, (args) => Number((iv(args[1]!).nanos / MINUTE_OF_NANOS) % 60n))
    case 'EPOCH':
      return bound(T.decimal(38, 9), (args) => {
        const i = iv(args[1]!)
        const seconds =
          BigInt(Math.trunc(i.months / 12)) * SECONDS_PER_YEAR +
          BigInt(i.months % 12) * 2_592_000n +
          BigInt(i.days) * 86_400n

        return new Decimal(seconds * NANOS_PER_SECOND + i.nanos, 9)
      })
    default: {
      const base = BASE_DIGITS[field]!
      const scale = 9 - base

      return bound(T.decimal(2 + 9, scale), (args) => new Decimal(iv(args[1]!).nanos % MINUTE_OF_NANOS, scale))
    }
  }
}
