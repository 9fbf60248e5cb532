import { type DataType, type Decimal, getTimeZone, type Interval, NANOS_PER_DAY, type Value } from '@ferris/core'
import { compareDecimalFloat, compareDecimalInt, compareDecimals } from '../numeric/decimal-types.js'

/**
 * Total orders over non-null values, chosen once per call site from the operand types. Mixed numeric
 * operands are compared exactly without converting either side: JavaScript's relational operators compare
 * a bigint with a number by mathematical value, so BIGINT 9007199254740993 is greater than DOUBLE
 * 9007199254740992 (a double conversion would call them equal).
 */
export type Comparator = (a: Value, b: Value) => number

const DAY_NANOS = NANOS_PER_DAY

/** Plain `<`/`>` on numbers and bigints (also mixed). */
export const compareOrdered: Comparator = (a, b) =>
  (a as number | bigint) < (b as number | bigint) ? -1 : (a as number | bigint) > (b as number | bigint) ? 1 : 0

/**
 * Doubles in PostgreSQL's order: NaN equals NaN and sorts above every other value, so ORDER BY, GREATEST
 * and comparisons stay total. Works when one side is a bigint or an int.
 */
export const compareFloat: Comparator = (a, b) => {
  const x = a as number | bigint
  const y = b as number | bigint
  if (x < y) return -1
  if (x > y) return 1
  const xNaN = typeof x === 'number' && Number.isNaN(x)
  const yNaN = typeof y === 'number' && Number.isNaN(y)

  return xNaN === yNaN ? 0 : xNaN ? 1 : -1
}

/**
 * Strings by Unicode code point, which is the byte order of UTF-8 and PostgreSQL's `C` collation.
 * JavaScript's `<` compares UTF-16 units, which puts astral characters (surrogate pairs, D800–DFFF) before
 * U+E000–U+FFFF; only the first differing unit needs the fix.
 */
export const compareStrings: Comparator = (a, b) => {
  const x = a as string
  const y = b as string
  if (x === y) return 0
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) {
    let cx = x.charCodeAt(i)
    let cy = y.charCodeAt(i)
    if (cx !== cy) {
      if (cx >= 0xd800 && cy >= 0xd800) {
        cx = cx >= 0xe000 ? cx - 0x800 : cx + 0x2000
        cy = cy >= 0xe000 ? cy - 0x800 : cy + 0x2000
      }

      return cx < cy ? -1 : 1
    }
  }

  return x.length < y.length ? -1 : x.length > y.length ? 1 : 0
}

export const compareBooleans: Comparator = (a, b) => (a === b ? 0 : a === false ? -1 : 1)

export const compareBytes: Comparator = (a, b) => {
  const x = a as Uint8Array
  const y = b as Uint8Array
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1

  return x.length - y.length < 0 ? -1 : x.length > y.length ? 1 : 0
}

/** Intervals as PostgreSQL orders them: a month counts 30 days and a day 24 hours. */
export const compareIntervals: Comparator = (a, b) => {
  const x = a as Interval
  const y = b as Interval
  const nx = (BigInt(x.months) * 30n + BigInt(x.days)) * DAY_NANOS + x.nanos
  const ny = (BigInt(y.months) * 30n + BigInt(y.days)) * DAY_NANOS + y.nanos

  return nx < ny ? -1 : nx > ny ? 1 : 0
}

const compareDecimal: Comparator = (a, b) => compareDecimals(a as Decimal, b as Decimal)
const decimalVsInt: Comparator = (a, b) => compareDecimalInt(a as Decimal, b as number | bigint)
const intVsDecimal: Comparator = (a, b) => -compareDecimalInt(b as Decimal, a as number | bigint)
const decimalVsFloat: Comparator = (a, b) => compareDecimalFloat(a as Decimal, b as number)
const floatVsDecimal: Comparator = (a, b) => -compareDecimalFloat(b as Decimal, a as number)
const dateVsTimestamp: Comparator = (a, b) => compareOrdered(BigInt(a as number) * DAY_NANOS, b)
const timestampVsDate: Comparator = (a, b) => compareOrdered(a, BigInt(b as number) * DAY_NANOS)

const INTEGER = new Set(['int32', 'int64'])

/** Local wall-clock nanoseconds to an instant in `zone`, with PostgreSQL's rule at DST changes. */
function localToInstant(zone: string): (local: bigint) => bigint {
  const z = getTimeZone(zone)

  return z.fixedOffsetNanos === 0n ? (local) => local : (local) => z.toInstant(local, 'later')
}

/**
 * The comparator for a left operand of type `l` and a right one of type `r`, or undefined when SQL does not
 * compare them without a CAST. NULL-typed operands never reach a comparator (the result is NULL).
 * `sessionZone` places local timestamps and dates on the time line when they meet a zoned timestamp (UTC
 * when absent).
 */
export function comparatorFor(l: DataType, r: DataType, sessionZone?: string): Comparator | undefined {
  const lk = l.kind
  const rk = r.kind
  if (INTEGER.has(lk) && INTEGER.has(rk)) return compareOrdered
  if ((lk === 'float64' && (rk === 'float64' || INTEGER.has(rk))) || (rk === 'float64' && INTEGER.has(lk))) {
    return compareFloat
  }
  if (lk === 'decimal') {
    if (rk === 'decimal') return compareDecimal
    if (INTEGER.has(rk)) return decimalVsInt
    if (rk === 'float64') return decimalVsFloat
  }
  if (rk === 'decimal') {
    if (INTEGER.has(lk)) return intVsDecimal
    if (lk === 'float64') return floatVsDecimal
  }
  if (lk === 'string' && rk === 'string') return compareStrings
  if (lk === 'boolean' && rk === 'boolean') return compareBooleans
  if (lk === 'date' && rk === 'date') return compareOrdered
  if (lk === 'time' && rk === 'time') return compareOrdered
  // Timestamps are epoch nanoseconds whatever their unit, so units mix freely. A local timestamp or a date
  // meets a zoned timestamp as PostgreSQL has it: its wall clock is read in the session time zone.
  if (lk === 'timestamp' && rk === 'timestamp') {
    const lz = l.timezone !== undefined
    const rz = r.timezone !== undefined
    if (lz === rz || sessionZone === undefined) return compareOrdered
    const toInstant = localToInstant(sessionZone)

    return lz
      ? (a, b) => compareOrdered(a, toInstant(b as bigint))
      : (a, b) => compareOrdered(toInstant(a as bigint), b)
  }
  if (lk === 'date' && rk === 'timestamp') {
    if (r.timezone === undefined || sessionZone === undefined) return dateVsTimestamp
    const toInstant = localToInstant(sessionZone)

    return (a, b) => compareOrdered(toInstant(BigInt(a as number) * NANOS_PER_DAY), b)
  }
  if (lk === 'timestamp' && rk === 'date') {
    if (l.timezone === undefined || sessionZone === undefined) return timestampVsDate
    const toInstant = localToInstant(sessionZone)

    return (a, b) => compareOrdered(a, toInstant(BigInt(b as number) * NANOS_PER_DAY))
  }
  if (lk === 'interval' && rk === 'interval') return compareIntervals
  if (lk === 'bytes' && rk === 'bytes') return compareBytes

  return undefined
}

/** A comparator for values that all have type `t` (sorting, GREATEST/LEAST after coercion). */
export function comparatorOf(t: DataType): Comparator | undefined {
  return comparatorFor(t, t)
}
