import { civilFromDays, daysFromCivil, floorDiv, NANOS_PER_DAY, NANOS_PER_SECOND } from '@ferris/core'
import { isoDayOfWeek } from './calendar.js'

/** The calendar and clock fields of a wall-clock time (local nanoseconds), computed once per value. */
export interface LocalFields {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  /** Nanoseconds within the second. */
  readonly nanos: number
  /** Day number (days since 1970-01-01) of the date. */
  readonly days: number
  /** 1 (Monday) to 7 (Sunday). */
  readonly isoDow: number
  /** 1 to 366. */
  readonly doy: number
}

export function localFields(local: bigint): LocalFields {
  const dayNumber = floorDiv(local, NANOS_PER_DAY)
  const days = Number(dayNumber)
  const nod = local - dayNumber * NANOS_PER_DAY
  const [year, month, day] = civilFromDays(days)
  const secs = Number(nod / NANOS_PER_SECOND)

  return {
    year,
    month,
    day,
    hour: Math.floor(secs / 3600),
    minute: Math.floor(secs / 60) % 60,
    second: secs % 60,
    nanos: Number(nod % NANOS_PER_SECOND),
    days,
    isoDow: isoDayOfWeek(days),
    doy: days - daysFromCivil(year, 1, 1) + 1,
  }
}

/** ISO 8601 week-numbering year and week (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(days: number): { isoYear: number; week: number } {
  const thursday = days - isoDayOfWeek(days) + 4
  const [isoYear] = civilFromDays(thursday)
  const week = Math.floor((thursday - daysFromCivil(isoYear, 1, 1)) / 7) + 1

  return { isoYear, week }
}
