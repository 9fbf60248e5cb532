import { FerrisError } from '@ferris/core'

/** The date/time units EXTRACT, DATE_TRUNC, DATEDIFF and DATEADD name, with their accepted spellings. */
export type TimeField =
  | 'MILLENNIUM'
  | 'CENTURY'
  | 'DECADE'
  | 'YEAR'
  | 'ISOYEAR'
  | 'QUARTER'
  | 'MONTH'
  | 'WEEK'
  | 'DAY'
  | 'DOW'
  | 'ISODOW'
  | 'DOY'
  | 'HOUR'
  | 'MINUTE'
  | 'SECOND'
  | 'MILLISECOND'
  | 'MICROSECOND'
  | 'NANOSECOND'
  | 'EPOCH'
  | 'TIMEZONE'
  | 'TIMEZONE_HOUR'
  | 'TIMEZONE_MINUTE'

const SPELLINGS: Readonly<Record<string, TimeField>> = {
  MILLENNIUM: 'MILLENNIUM',
  MILLENNIUMS: 'MILLENNIUM',
  MILLENNIA: 'MILLENNIUM',
  CENTURY: 'CENTURY',
  CENTURIES: 'CENTURY',
  DECADE: 'DECADE',
  DECADES: 'DECADE',
  YEAR: 'YEAR',
  YEARS: 'YEAR',
  YY: 'YEAR',
  YYYY: 'YEAR',
  ISOYEAR: 'ISOYEAR',
  QUARTER: 'QUARTER',
  QUARTERS: 'QUARTER',
  QQ: 'QUARTER',
  MONTH: 'MONTH',
  MONTHS: 'MONTH',
  MM: 'MONTH',
  MON: 'MONTH',
  WEEK: 'WEEK',
  WEEKS: 'WEEK',
  WK: 'WEEK',
  ISOWEEK: 'WEEK',
  DAY: 'DAY',
  DAYS: 'DAY',
  DD: 'DAY',
  D: 'DAY',
  DAYOFMONTH: 'DAY',
  DOW: 'DOW',
  DAYOFWEEK: 'DOW',
  ISODOW: 'ISODOW',
  DOY: 'DOY',
  DAYOFYEAR: 'DOY',
  HOUR: 'HOUR',
  HOURS: 'HOUR',
  HH: 'HOUR',
  MINUTE: 'MINUTE',
  MINUTES: 'MINUTE',
  MI: 'MINUTE',
  SECOND: 'SECOND',
  SECONDS: 'SECOND',
  SS: 'SECOND',
  MILLISECOND: 'MILLISECOND',
  MILLISECONDS: 'MILLISECOND',
  MS: 'MILLISECOND',
  MICROSECOND: 'MICROSECOND',
  MICROSECONDS: 'MICROSECOND',
  US: 'MICROSECOND',
  NANOSECOND: 'NANOSECOND',
  NANOSECONDS: 'NANOSECOND',
  NS: 'NANOSECOND',
  EPOCH: 'EPOCH',
  TIMEZONE: 'TIMEZONE',
  TIMEZONE_HOUR: 'TIMEZONE_HOUR',
  TIMEZONE_MINUTE: 'TIMEZONE_MINUTE',
}

/** Reads a unit name (any case, singular or plural) and checks it is one `fn` accepts. */
export function timeField(fn: string, text: string, accepted: readonly TimeField[]): TimeField {
  const field = SPELLINGS[text.trim().toUpperCase()]
  if (field === undefined || !accepted.includes(field)) {
    throw new FerrisError('FERRIS_SQL_SEMANTIC', `${fn}: '${text}' is not a unit ${fn} accepts`, {
      value: text,
      expected: accepted.join(', '),
      hint: `write one of ${accepted.join(', ')}`,
    })
  }

  return field
}

/**
 * Functions whose first argument is a unit that SQL Server, Snowflake and Flink let users write bare
 * (`DATEDIFF(day, a, b)`): the analyzer should pass such an identifier as the string constant 'day' rather
 * than resolve it as a column.
 */
export const UNIT_FIRST_FUNCTIONS: ReadonlySet<string> = new Set([
  'DATEDIFF',
  'DATEADD',
  'DATE_TRUNC',
  'EXTRACT',
  'DATE_PART',
])
