import { daysFromCivil, floorDiv, NANOS_PER_DAY, T, type TimeZone, type Value } from '@ferris/core'
import { argTypeError, bound, checkArity, isStringArg, requireStringLiteral } from '../bind-support.js'
import { defineFunction } from '../define.js'
import type { BoundFunction } from '../function-definition.js'
import { isoDayOfWeek } from './calendar.js'
import { localFields } from './local-fields.js'
import { temporalInput } from './temporal-input.js'
import { type TimeField, timeField } from './units.js'
import { toInstant, zoneNamed } from './zones.js'

const SIGNATURE = 'DATE_TRUNC(unit STRING, x TIMESTAMP | DATE [, zone STRING]) → the type of x'

const UNITS: readonly TimeField[] = [
  'MILLENNIUM',
  'CENTURY',
  'DECADE',
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
]

const FIXED: Partial<Record<TimeField, bigint>> = {
  DAY: NANOS_PER_DAY,
  HOUR: 3_600_000_000_000n,
  MINUTE: 60_000_000_000n,
  SECOND: 1_000_000_000n,
  MILLISECOND: 1_000_000n,
  MICROSECOND: 1_000n,
}

/** Truncates local (wall-clock) nanoseconds to the start of a unit. */
export function truncator(unit: TimeField): (local: bigint) => bigint {
  const fixed = FIXED[unit]
  if (fixed !== undefined) return (local) => floorDiv(local, fixed) * fixed
  if (unit === 'WEEK') {
    return (local) => {
      const days = Number(floorDiv(local, NANOS_PER_DAY))

      return BigInt(days - isoDayOfWeek(days) + 1) * NANOS_PER_DAY
    }
  }
  const firstDay = (f: { year: number; month: number }): number => {
    switch (unit) {
      case 'MONTH':
        return daysFromCivil(f.year, f.month, 1)
      case 'QUARTER':
        return daysFromCivil(f.year, f.month - ((f.month - 1) % 3), 1)
      case 'YEAR':
        return daysFromCivil(f.year, 1, 1)
      case 'DECADE':
        return daysFromCivil(Math.floor(f.year / 10) * 10, 1, 1)
      case 'CENTURY':
        return daysFromCivil(Math.floor((f.year - 1) / 100) * 100 + 1, 1, 1)
      default:
        return daysFromCivil(Math.floor((f.year - 1) / 1000) * 1000 + 1, 1, 1)
    }
  }

  return (local) => BigInt(firstDay(localFields(local))) * NANOS_PER_DAY
}

/**
 * DATE_TRUNC(unit, x [, zone]): x with every field finer than `unit` set to its start, as PostgreSQL.
 * WEEK starts on Monday, CENTURY in a year ending in 01 (2001-01-01). A zoned timestamp is truncated in
 * its own zone (the start of its local day, month...), or in `zone` when given (PostgreSQL 12+'s
 * `date_trunc(unit, timestamptz, zone)`); a DATE stays a DATE.
 */
export const dateTrunc = defineFunction({
  name: 'DATE_TRUNC',
  signature: SIGNATURE,
  bind(argTypes, literals): BoundFunction {
    checkArity('DATE_TRUNC', SIGNATURE, argTypes, 2, 3)
    if (!isStringArg(argTypes[0]!)) throw argTypeError('DATE_TRUNC', 0, argTypes[0]!, 'a unit name (STRING)', SIGNATURE)
    const unitName = requireStringLiteral('DATE_TRUNC', 0, literals, "unit such as 'day'")
    const t = argTypes[1]!
    if (t.kind === 'null') return bound(T.timestamp('us'), () => null)
    const input = temporalInput('DATE_TRUNC', 1, t, SIGNATURE)
    const unit = timeField('DATE_TRUNC', unitName, input.kind === 'date' ? UNITS.slice(0, 8) : UNITS)
    const truncate = truncator(unit)
    if (t.kind === 'date') {
      return bound(t, (args) => Number(floorDiv(truncate(BigInt(args[1] as number) * NANOS_PER_DAY), NANOS_PER_DAY)))
    }
    let zone: TimeZone = input.zone
    if (argTypes.length === 3) {
      if (!isStringArg(argTypes[2]!))
        throw argTypeError('DATE_TRUNC', 2, argTypes[2]!, 'a time zone name (STRING)', SIGNATURE)
      if (!input.zoned) {
        throw argTypeError('DATE_TRUNC', 1, t, 'a TIMESTAMP WITH TIME ZONE when a zone is given', SIGNATURE)
      }
      zone = zoneNamed(
        requireStringLiteral('DATE_TRUNC', 2, literals, "time zone such as 'Europe/Paris'"),
        'DATE_TRUNC',
      )
    }
    if (!input.zoned) return bound(t, (args) => truncate(args[1] as bigint))
    const z = zone

    return bound(t, (args: readonly Value[]) => toInstant(z, truncate(z.toLocal(args[1] as bigint))))
  },
})
