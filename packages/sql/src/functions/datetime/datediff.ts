import { civilFromDays, floorDiv, NANOS_PER_DAY, T, type Value } from '@ferris/core'
import { bound, checkArity, requireStringLiteral } from '../bind-support.js'
import { defineFunction } from '../define.js'
import type { BoundFunction } from '../function-definition.js'
import { isoDayOfWeek } from './calendar.js'
import { temporalInput } from './temporal-input.js'
import { type TimeField, timeField } from './units.js'

const SIGNATURE = 'DATEDIFF(unit STRING, start TIMESTAMP | DATE, end TIMESTAMP | DATE) → BIGINT'

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

const FIXED: Partial<Record<TimeField, bigint>> = {
  DAY: NANOS_PER_DAY,
  HOUR: 3_600_000_000_000n,
  MINUTE: 60_000_000_000n,
  SECOND: 1_000_000_000n,
  MILLISECOND: 1_000_000n,
  MICROSECOND: 1_000n,
  NANOSECOND: 1n,
}

/** The number of `unit` boundaries between two wall clocks (local nanoseconds). */
function boundaries(unit: TimeField): (a: bigint, b: bigint) => bigint {
  const fixed = FIXED[unit]
  if (fixed !== undefined) return (a, b) => floorDiv(b, fixed) - floorDiv(a, fixed)
  if (unit === 'WEEK') {
    const monday = (x: bigint) => {
      const days = Number(floorDiv(x, NANOS_PER_DAY))

      return days - isoDayOfWeek(days) + 1
    }

    return (a, b) => BigInt((monday(b) - monday(a)) / 7)
  }
  const months = (x: bigint) => {
    const [y, m] = civilFromDays(Number(floorDiv(x, NANOS_PER_DAY)))

    return y * 12 + (m - 1)
  }
  if (unit === 'MONTH') return (a, b) => BigInt(months(b) - months(a))
  if (unit === 'QUARTER') return (a, b) => BigInt(Math.floor(months(b) / 3) - Math.floor(months(a) / 3))

  return (a, b) => BigInt(Math.floor(months(b) / 12) - Math.floor(months(a) / 12))
}

/**
 * DATEDIFF(unit, start, end): how many `unit` boundaries lie between start and end, as SQL Server and
 * Snowflake count them: DATEDIFF('year', '2023-12-31', '2024-01-01') is 1, DATEDIFF('day', '10:00', next
 * day '09:00') is 1, negative when end is before start. WEEK boundaries are Mondays. Each value is read as
 * its wall clock (a zoned timestamp in its zone), so a day is a calendar day across DST changes. The unit
 * is a constant; the analyzer passes a bare unit name (`DATEDIFF(day, a, b)`) as a string.
 */
export const datediff = defineFunction({
  name: 'DATEDIFF',
  signature: SIGNATURE,
  bind(argTypes, literals): BoundFunction {
    checkArity('DATEDIFF', SIGNATURE, argTypes, 3)
    const unit = timeField('DATEDIFF', requireStringLiteral('DATEDIFF', 0, literals, "unit such as 'day'"), UNITS)
    if (argTypes[1]!.kind === 'null' || argTypes[2]!.kind === 'null') return bound(T.int64, () => null)
    const a = temporalInput('DATEDIFF', 1, argTypes[1]!, SIGNATURE).toLocal
    const b = temporalInput('DATEDIFF', 2, argTypes[2]!, SIGNATURE).toLocal
    const count = boundaries(unit)

    return bound(T.int64, (args: readonly Value[]) => count(a(args[1]!), b(args[2]!)))
  },
})
