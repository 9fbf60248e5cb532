import { FerrisError, Interval, NANOS_PER_DAY, T, type Value } from '@ferris/core'
import { argTypeError, bound, checkArity, isIntegerArg, requireStringLiteral } from '../bind-support.js'
import { defineFunction } from '../define.js'
import type { BoundFunction } from '../function-definition.js'
import { INT32_MAX, INT32_MIN } from '../numeric/integers.js'
import { addInterval } from '../operators/temporal-arithmetic.js'
import { temporalInput } from './temporal-input.js'
import { type TimeField, timeField } from './units.js'

const SIGNATURE = 'DATEADD(unit STRING, n INT, x TIMESTAMP | DATE) → the type of x (TIMESTAMP for a DATE plus hours)'

const UNITS: readonly TimeField[] = [
  'YEAR',
  'QUARTER',
  'MONTH',
  'WEEK',
  'DAY',
  'HOUR',
  'MINUTE',
  'SECOND',
  'MILLISECOND',
  'MICROSECOND',
  'NANOSECOND',
]

const MONTHS: Partial<Record<TimeField, number>> = { YEAR: 12, QUARTER: 3, MONTH: 1 }
const DAYS: Partial<Record<TimeField, number>> = { WEEK: 7, DAY: 1 }
const NANOS: Partial<Record<TimeField, bigint>> = {
  HOUR: 3_600_000_000_000n,
  MINUTE: 60_000_000_000n,
  SECOND: 1_000_000_000n,
  MILLISECOND: 1_000_000n,
  MICROSECOND: 1_000n,
  NANOSECOND: 1n,
}

function intervalOf(unit: TimeField): (n: bigint) => Interval {
  const months = MONTHS[unit]
  const days = DAYS[unit]
  const calendar = (count: bigint, factor: number, make: (k: number) => Interval) => {
    const k = count * BigInt(factor)
    if (k > BigInt(INT32_MAX) || k < BigInt(INT32_MIN)) {
      throw new FerrisError('FERRIS_ARITHMETIC_OVERFLOW', `DATEADD: ${count} ${unit.toLowerCase()}s is out of range`, {
        value: String(count),
      })
    }

    return make(Number(k))
  }
  if (months !== undefined) return (n) => calendar(n, months, (k) => new Interval(k, 0, 0n))
  if (days !== undefined) return (n) => calendar(n, days, (k) => new Interval(0, k, 0n))
  const nanos = NANOS[unit]!

  return (n) => new Interval(0, 0, n * nanos)
}

/**
 * DATEADD(unit, n, x): x moved by n units, as `x + INTERVAL`: months and years clamp the day to the month's
 * length (DATEADD('month', 1, DATE '2024-01-31') = 2024-02-29), days keep the wall clock across DST
 * changes for a zoned timestamp, and hours and smaller units are exact elapsed time. A DATE stays a DATE
 * for calendar units and becomes a TIMESTAMP(6) for hours and smaller.
 */
export const dateadd = defineFunction({
  name: 'DATEADD',
  signature: SIGNATURE,
  bind(argTypes, literals): BoundFunction {
    checkArity('DATEADD', SIGNATURE, argTypes, 3)
    const unit = timeField('DATEADD', requireStringLiteral('DATEADD', 0, literals, "unit such as 'day'"), UNITS)
    if (!isIntegerArg(argTypes[1]!))
      throw argTypeError('DATEADD', 1, argTypes[1]!, 'an integer count (INT or BIGINT)', SIGNATURE)
    const toInterval = intervalOf(unit)
    const count = (v: Value): bigint => (typeof v === 'bigint' ? v : BigInt(v as number))
    const t = argTypes[2]!
    if (t.kind === 'null') return bound(T.timestamp('us'), () => null)
    const input = temporalInput('DATEADD', 2, t, SIGNATURE)
    if (t.kind === 'date') {
      if (NANOS[unit] === undefined) {
        return bound(T.date, (args) => {
          const local = addInterval(BigInt(args[2] as number) * NANOS_PER_DAY, toInterval(count(args[1]!)), input.zone)

          return Number(local / NANOS_PER_DAY)
        })
      }

      return bound(T.timestamp('us'), (args) =>
        addInterval(BigInt(args[2] as number) * NANOS_PER_DAY, toInterval(count(args[1]!)), input.zone),
      )
    }
    const zone = input.zone

    return bound(t, (args) => addInterval(args[2] as bigint, toInterval(count(args[1]!)), zone))
  },
})
