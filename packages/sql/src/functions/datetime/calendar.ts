import { civilFromDays, daysFromCivil, daysInMonth, floorDiv, NANOS_PER_DAY } from '@ferris/core'

/**
 * Calendar steps the SQL functions need on top of core's day-number arithmetic (`daysFromCivil`,
 * `civilFromDays`, time zones in `@ferris/core` timestamp helpers).
 */

/** Adds months to a day number, clamping the day to the target month's length (Jan 31 + 1 month = Feb 28/29). */
export function addMonthsToDays(days: number, months: number): number {
  if (months === 0) return days
  const [year, month, day] = civilFromDays(days)
  const total = year * 12 + (month - 1) + months
  const y = Math.floor(total / 12)
  const m = total - y * 12 + 1

  return daysFromCivil(y, m, Math.min(day, daysInMonth(y, m)))
}

/** Splits local nanoseconds into a day number and the nanoseconds into that day. */
export function splitDay(localNanos: bigint): [days: number, nanosOfDay: bigint] {
  const days = floorDiv(localNanos, NANOS_PER_DAY)

  return [Number(days), localNanos - days * NANOS_PER_DAY]
}

/** ISO day of week of a day number: Monday 1 … Sunday 7. */
export function isoDayOfWeek(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1
}
