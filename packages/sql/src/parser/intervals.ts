import type { IntervalUnit } from './ast.js'

/** The SQL interval units and the plural and short spellings accepted for each. */
export const INTERVAL_UNITS: Readonly<Record<string, IntervalUnit>> = {
  YEAR: 'YEAR',
  YEARS: 'YEAR',
  MONTH: 'MONTH',
  MONTHS: 'MONTH',
  WEEK: 'WEEK',
  WEEKS: 'WEEK',
  DAY: 'DAY',
  DAYS: 'DAY',
  HOUR: 'HOUR',
  HOURS: 'HOUR',
  MINUTE: 'MINUTE',
  MINUTES: 'MINUTE',
  SECOND: 'SECOND',
  SECONDS: 'SECOND',
  MILLISECOND: 'MILLISECOND',
  MILLISECONDS: 'MILLISECOND',
  MICROSECOND: 'MICROSECOND',
  MICROSECONDS: 'MICROSECOND',
  NANOSECOND: 'NANOSECOND',
  NANOSECONDS: 'NANOSECOND',
}

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  WEEK: 7n * 86_400_000_000_000n,
  HOUR: 3_600_000_000_000n,
  MINUTE: 60_000_000_000n,
  SECOND: 1_000_000_000n,
  MILLISECOND: 1_000_000n,
  MICROSECOND: 1_000n,
  NANOSECOND: 1n,
}

/** Duration literal units (`5m`) as interval units. */
export const DURATION_UNIT: Readonly<Record<string, IntervalUnit>> = {
  d: 'DAY',
  h: 'HOUR',
  m: 'MINUTE',
  s: 'SECOND',
  ms: 'MILLISECOND',
  us: 'MICROSECOND',
  ns: 'NANOSECOND',
}

export interface IntervalParts {
  months: number
  days: number
  nanos: bigint
}

/**
 * `amount` of `unit` as interval parts. Fractions are allowed for units of fixed length
 * (`1.5 SECOND`); months and days must be whole. Returns an error text instead of throwing so the parser
 * can point at the literal.
 */
export function intervalOf(amount: string, unit: IntervalUnit): IntervalParts | string {
  const m = /^([+-])?(\d+)(?:\.(\d+))?$/.exec(amount.trim())
  if (m === null) return `"${amount}" is not a number`
  const negative = m[1] === '-'
  const whole = BigInt(m[2]!)
  const frac = m[3] ?? ''
  const sign = negative ? -1n : 1n
  if (unit === 'YEAR' || unit === 'MONTH' || unit === 'DAY') {
    if (frac !== '' && /[1-9]/.test(frac)) return `${unit} intervals must be whole numbers, got "${amount}"`
    const n = Number(whole * sign)
    if (!Number.isSafeInteger(unit === 'YEAR' ? n * 12 : n)) return `"${amount}" ${unit} is too large`

    return unit === 'YEAR'
      ? { months: n * 12, days: 0, nanos: 0n }
      : unit === 'MONTH'
        ? { months: n, days: 0, nanos: 0n }
        : { months: 0, days: n, nanos: 0n }
  }
  const per = UNIT_NANOS[unit]!
  const digits = frac.length
  const scale = 10n ** BigInt(digits)
  const numerator = (whole * scale + (digits === 0 ? 0n : BigInt(frac))) * per
  if (numerator % scale !== 0n) return `"${amount}" ${unit} is finer than a nanosecond`

  return { months: 0, days: 0, nanos: (numerator / scale) * sign }
}

const YEAR_MONTH: readonly IntervalUnit[] = ['YEAR', 'MONTH']
const DAY_TIME: readonly IntervalUnit[] = ['DAY', 'HOUR', 'MINUTE', 'SECOND']

/**
 * A qualified interval string: `'1-2' YEAR TO MONTH`, `'3 04:05:06.5' DAY TO SECOND`, `'10:30' HOUR TO MINUTE`,
 * or one unit: `'5' MINUTE`. Without a unit, the string names its own: `'1 day 2 hours'`.
 */
export function parseIntervalText(text: string, from?: IntervalUnit, to?: IntervalUnit): IntervalParts | string {
  if (from === undefined) {
    const parts = text.trim().split(/\s+/)
    if (parts.length < 2 || parts.length % 2 !== 0) {
      return `"${text}" does not name its units; write INTERVAL '5' MINUTE or INTERVAL '1 day 2 hours'`
    }
    let total: IntervalParts = { months: 0, days: 0, nanos: 0n }
    for (let i = 0; i < parts.length; i += 2) {
      const unit = INTERVAL_UNITS[parts[i + 1]!.toUpperCase()]
      if (unit === undefined) return `"${parts[i + 1]}" is not an interval unit`
      const one = intervalOf(parts[i]!, unit)
      if (typeof one === 'string') return one
      total = { months: total.months + one.months, days: total.days + one.days, nanos: total.nanos + one.nanos }
    }

    return total
  }
  if (to === undefined) return intervalOf(text, from)
  const family = YEAR_MONTH.includes(from) ? YEAR_MONTH : DAY_TIME
  const a = family.indexOf(from)
  const b = family.indexOf(to)
  if (a < 0 || b <= a) return `${from} TO ${to} is not a valid interval qualifier`
  const trimmed = text.trim()
  const negative = trimmed.startsWith('-')
  const fields = (negative ? trimmed.slice(1) : trimmed).split(/[\s:-]+/)
  const units = family.slice(a, b + 1)
  if (fields.length !== units.length) {
    return `"${text}" has ${fields.length} field(s) but ${from} TO ${to} needs ${units.length}`
  }
  let total: IntervalParts = { months: 0, days: 0, nanos: 0n }
  for (let i = 0; i < units.length; i++) {
    const one = intervalOf(`${negative ? '-' : ''}${fields[i]}`, units[i]!)
    if (typeof one === 'string') return one
    total = { months: total.months + one.months, days: total.days + one.days, nanos: total.nanos + one.nanos }
  }

  return total
}
