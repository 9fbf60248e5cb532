import { type Disambiguation, FerrisError, getTimeZone, isFerrisError, type TimeZone } from '@ferris/core'

/**
 * Time zones for the SQL functions, on core's `getTimeZone`. A wall-clock time that a DST change repeats
 * is read as the later instant (standard time) and one it skips with the offset before the change, which is
 * what PostgreSQL does: '2018-11-04 01:30' in New York is 06:30 UTC, '2018-03-11 02:30' is 07:30 UTC.
 */
export const SQL_DISAMBIGUATION: Disambiguation = 'later'

export const UTC: TimeZone = getTimeZone('UTC')

/** The zone `name`; an unknown one is an error in `fn` (plan-time by default) listing what is accepted. */
export function zoneNamed(
  name: string,
  fn: string,
  code: 'FERRIS_SQL_SEMANTIC' | 'FERRIS_EVALUATION' = 'FERRIS_SQL_SEMANTIC',
): TimeZone {
  try {
    return getTimeZone(name)
  } catch (error) {
    throw new FerrisError(code, `${fn}: unknown time zone '${name}'`, {
      value: name,
      expected: "an IANA time zone such as 'Europe/Paris' or 'America/New_York', 'UTC', or an offset such as '+05:30'",
      ...(isFerrisError(error) ? { cause: error } : {}),
    })
  }
}

/**
 * The zone a timestamp type's fields are read in: its own zone, or UTC for a local timestamp (whose value
 * is its wall clock read as UTC, so UTC conversions are the identity).
 */
export function zoneOfType(type: { readonly timezone?: string }, fn = 'timestamp'): TimeZone {
  return type.timezone === undefined ? UTC : zoneNamed(type.timezone, fn)
}

/** Local wall-clock nanoseconds to an instant, with the SQL (PostgreSQL) rule at DST changes. */
export function toInstant(zone: TimeZone, local: bigint): bigint {
  return zone.fixedOffsetNanos !== undefined ? local - zone.fixedOffsetNanos : zone.toInstant(local, SQL_DISAMBIGUATION)
}
