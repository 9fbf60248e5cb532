import {
  NANOS_PER_DAY as DAY_NANOS,
  type DataType,
  FerrisError,
  Interval,
  T,
  type TimeZone,
  type Value,
} from '@ferris/core'
import { bound } from '../bind-support.js'
import { addMonthsToDays, splitDay } from '../datetime/calendar.js'
import { toInstant, UTC as UTC_ZONE, zoneOfType } from '../datetime/zones.js'
import type { BoundFunction } from '../function-definition.js'
import { INT32_MAX, INT32_MIN } from '../numeric/integers.js'

type Op = '+' | '-' | '*' | '/' | '%'

/** Largest day number a DATE may hold (year 294276, as PostgreSQL's limit); beyond it is an overflow. */
const MAX_DATE_DAYS = 100_000_000

/**
 * `instant + interval` in `zone`: the month and day parts move the wall clock by the calendar (so adding
 * one day across a DST change keeps the time of day, as PostgreSQL does for timestamptz), then the exact
 * part adds elapsed nanoseconds.
 */
export function addInterval(instant: bigint, interval: Interval, zone: TimeZone): bigint {
  let t = instant
  if (interval.months !== 0 || interval.days !== 0) {
    const [days, nanosOfDay] = splitDay(zone.toLocal(t))
    const moved = addMonthsToDays(days, interval.months) + interval.days
    t = toInstant(zone, BigInt(moved) * DAY_NANOS + nanosOfDay)
  }

  return t + interval.nanos
}

function checkDate(days: number, expression: () => string): number {
  if (days > MAX_DATE_DAYS || days < -MAX_DATE_DAYS) {
    throw new FerrisError('FERRIS_ARITHMETIC_OVERFLOW', `Date out of range: ${expression()}`, {
      hint: 'dates must lie within about 270,000 years of 1970',
    })
  }

  return days
}

const isInt = (t: DataType): boolean => t.kind === 'int32' || t.kind === 'int64'
const toNum = (v: Value): number => (typeof v === 'bigint' ? Number(v) : (v as number))

/** Binds date/time arithmetic, or returns undefined when the operand types are not temporal ones. */
export function bindTemporalArithmetic(op: Op, l: DataType, r: DataType): BoundFunction | undefined {
  const lk = l.kind
  const rk = r.kind
  // DATE ± integer days, integer + DATE, DATE - DATE
  if (lk === 'date' && isInt(r) && (op === '+' || op === '-')) {
    const sign = op === '+' ? 1 : -1

    return bound(T.date, (args) =>
      checkDate((args[0] as number) + sign * toNum(args[1]!), () => `${args[0]} ${op} ${args[1]}`),
    )
  }
  if (isInt(l) && rk === 'date' && op === '+') {
    return bound(T.date, (args) => checkDate((args[1] as number) + toNum(args[0]!), () => `${args[0]} + ${args[1]}`))
  }
  if (lk === 'date' && rk === 'date' && op === '-')
    return bound(T.int32, (args) => (args[0] as number) - (args[1] as number))
  // DATE + TIME → TIMESTAMP
  if (lk === 'date' && rk === 'time' && op === '+') {
    return bound(T.timestamp(r.unit), (args) => BigInt(args[0] as number) * DAY_NANOS + (args[1] as bigint))
  }
  // DATE ± INTERVAL → TIMESTAMP (local), as PostgreSQL
  if (lk === 'date' && rk === 'interval' && (op === '+' || op === '-')) {
    const neg = op === '-'

    return bound(T.timestamp('us'), (args) => {
      const i = args[1] as Interval

      return addInterval(BigInt(args[0] as number) * DAY_NANOS, neg ? i.neg() : i, UTC_ZONE)
    })
  }
  if (lk === 'interval' && rk === 'date' && op === '+') {
    return bound(T.timestamp('us'), (args) =>
      addInterval(BigInt(args[1] as number) * DAY_NANOS, args[0] as Interval, UTC_ZONE),
    )
  }
  // TIMESTAMP ± INTERVAL, INTERVAL + TIMESTAMP
  if (lk === 'timestamp' && rk === 'interval' && (op === '+' || op === '-')) {
    const zone = zoneOfType(l)
    if (op === '+') return bound(l, (args) => addInterval(args[0] as bigint, args[1] as Interval, zone))

    return bound(l, (args) => addInterval(args[0] as bigint, (args[1] as Interval).neg(), zone))
  }
  if (lk === 'interval' && rk === 'timestamp' && op === '+') {
    const zone = zoneOfType(r)

    return bound(r, (args) => addInterval(args[1] as bigint, args[0] as Interval, zone))
  }
  // TIMESTAMP - TIMESTAMP → INTERVAL of days and time (no months), as PostgreSQL
  if (lk === 'timestamp' && rk === 'timestamp' && op === '-') {
    return bound(T.interval, (args) => nanosToInterval((args[0] as bigint) - (args[1] as bigint)))
  }
  if (lk === 'timestamp' && rk === 'date' && op === '-') {
    return bound(T.interval, (args) => nanosToInterval((args[0] as bigint) - BigInt(args[1] as number) * DAY_NANOS))
  }
  if (lk === 'date' && rk === 'timestamp' && op === '-') {
    return bound(T.interval, (args) => nanosToInterval(BigInt(args[0] as number) * DAY_NANOS - (args[1] as bigint)))
  }
  // TIME ± INTERVAL wraps around midnight; TIME - TIME → INTERVAL
  if (lk === 'time' && rk === 'interval' && (op === '+' || op === '-')) {
    const sign = op === '+' ? 1n : -1n

    return bound(l, (args) => wrapDay((args[0] as bigint) + sign * (args[1] as Interval).nanos))
  }
  if (lk === 'interval' && rk === 'time' && op === '+') {
    return bound(r, (args) => wrapDay((args[1] as bigint) + (args[0] as Interval).nanos))
  }
  if (lk === 'time' && rk === 'time' && op === '-') {
    return bound(T.interval, (args) => Interval.ofNanos((args[0] as bigint) - (args[1] as bigint)))
  }
  // INTERVAL ± INTERVAL, INTERVAL × integer
  if (lk === 'interval' && rk === 'interval' && (op === '+' || op === '-')) {
    if (op === '+') return bound(T.interval, (args) => (args[0] as Interval).add(args[1] as Interval))

    return bound(T.interval, (args) => (args[0] as Interval).add((args[1] as Interval).neg()))
  }
  if (op === '*' && ((lk === 'interval' && isInt(r)) || (isInt(l) && rk === 'interval'))) {
    const iv = lk === 'interval' ? 0 : 1

    return bound(T.interval, (args) => scaleInterval(args[iv] as Interval, args[1 - iv]!))
  }

  return undefined
}

export function nanosToInterval(diff: bigint): Interval {
  const days = diff / DAY_NANOS

  return new Interval(0, Number(days), diff - days * DAY_NANOS)
}

function wrapDay(nanos: bigint): bigint {
  const r = nanos % DAY_NANOS

  return r < 0n ? r + DAY_NANOS : r
}

function scaleInterval(i: Interval, factor: Value): Interval {
  const n = typeof factor === 'bigint' ? factor : BigInt(factor as number)
  const months = BigInt(i.months) * n
  const days = BigInt(i.days) * n
  if (
    months > BigInt(INT32_MAX) ||
    months < BigInt(INT32_MIN) ||
    days > BigInt(INT32_MAX) ||
    days < BigInt(INT32_MIN)
  ) {
    throw new FerrisError('FERRIS_ARITHMETIC_OVERFLOW', `Interval out of range: ${i.toString()} * ${n}`)
  }

  return new Interval(Number(months), Number(days), i.nanos * n)
}
