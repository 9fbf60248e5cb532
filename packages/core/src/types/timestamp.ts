import { FerrisError } from '../errors/ferris-error.js'
import { type TimeUnit, UNIT_DIGITS } from './data-type.js'

/**
 * Calendar and time-zone arithmetic on the value representation of `value.ts`: dates are days since
 * 1970-01-01, times are nanoseconds of the day, timestamps are epoch nanoseconds (bigint). A local timestamp
 * (TIMESTAMP without a zone) holds its wall clock read as if it were UTC; a zoned one holds the instant.
 *
 * The proleptic Gregorian calendar is used for every year, as SQL, Java and JavaScript do, and years
 * before 1 count astronomically (year 0 is 1 BC). Zone offsets come from the Intl API of Node (its ICU
 * time-zone database); formatters are cached per zone and offsets per quarter hour, so a lookup in a hot
 * loop is a Map hit.
 */

export const NANOS_PER_MICRO = 1_000n
export const NANOS_PER_MILLI = 1_000_000n
export const NANOS_PER_SECOND = 1_000_000_000n
export const NANOS_PER_MINUTE = 60n * NANOS_PER_SECOND
export const NANOS_PER_HOUR = 60n * NANOS_PER_MINUTE
export const NANOS_PER_DAY = 24n * NANOS_PER_HOUR

/** Floor division for bigint: rounds toward negative infinity, so instants before 1970 split correctly. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b

  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q
}

/** Remainder with the sign of the divisor (always >= 0 for a positive `b`). */
export function floorMod(a: bigint, b: bigint): bigint {
  const r = a % b

  return r !== 0n && r < 0n !== b < 0n ? r + b : r
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : MONTH_DAYS[month - 1]!
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy

  return era * 146097 + doe - 719468
}

/** The date of a day number: `[year, month (1-12), day (1-31)]`. */
export function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9

  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day]
}

/** The fields of a timestamp, read in a zone (absent: the value is a local timestamp, read as is). */
export interface TimestampFields {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  /** Nanoseconds within the second, 0 to 999 999 999. */
  readonly nanosecond: number
  /** 1 (Monday) to 7 (Sunday), as ISO 8601. */
  readonly isoDayOfWeek: number
  /** Offset from UTC applied, in seconds east (0 for local timestamps). */
  readonly offsetSeconds: number
}

export function timestampFields(nanos: bigint, zone?: string): TimestampFields {
  const offset = zone === undefined ? 0n : getTimeZone(zone).offsetAt(nanos)
  const local = nanos + offset
  const days = floorDiv(local, NANOS_PER_DAY)
  const nod = local - days * NANOS_PER_DAY
  const [year, month, day] = civilFromDays(Number(days))
  const secs = Number(nod / NANOS_PER_SECOND)

  return {
    year,
    month,
    day,
    hour: Math.floor(secs / 3600),
    minute: Math.floor(secs / 60) % 60,
    second: secs % 60,
    nanosecond: Number(nod % NANOS_PER_SECOND),
    isoDayOfWeek: ((((Number(days) + 3) % 7) + 7) % 7) + 1,
    offsetSeconds: Number(offset / NANOS_PER_SECOND),
  }
}

/** How a wall-clock time that a DST change skips or repeats becomes an instant. */
export type Disambiguation =
  /** Java's and JavaScript's rule: a skipped time moves forward by the gap, a repeated one takes the earlier instant. */
  | 'compatible'
  | 'earlier'
  | 'later'
  /** Fails with FERRIS_TYPE_CONVERSION. */
  | 'reject'

/** A time zone: a fixed offset or an IANA zone. Get one with `getTimeZone`, which caches them. */
export interface TimeZone {
  readonly name: string
  /** Set for fixed offsets (`UTC`, `+05:45`): no lookups needed. */
  readonly fixedOffsetNanos?: bigint
  /** Offset from UTC at an instant, in nanoseconds east. */
  offsetAt(instant: bigint): bigint
  /** The wall clock (as epoch nanos read as UTC) at an instant. */
  toLocal(instant: bigint): bigint
  /** The instant of a wall-clock time. */
  toInstant(local: bigint, disambiguation?: Disambiguation): bigint
}

const OFFSET_TEXT = /^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})?(?::?(\d{2}))?$/i
const ZONES = new Map<string, TimeZone>()

/**
 * The zone for an IANA name (`America/New_York`), `UTC`/`Z`/`GMT`, or an offset (`+05:45`, `-0800`, `+01`).
 * Throws FERRIS_TYPE_CONVERSION naming the zone when it is unknown.
 */
export function getTimeZone(name: string): TimeZone {
  const cached = ZONES.get(name)
  if (cached !== undefined) return cached
  const zone = createZone(name)
  ZONES.set(name, zone)

  return zone
}

/** Offset of a zone from UTC at an instant, in nanoseconds east. */
export function zoneOffsetNanos(zone: string, instant: bigint): bigint {
  return getTimeZone(zone).offsetAt(instant)
}

/** The wall clock of an instant in a zone, as epoch nanoseconds read as UTC (a local timestamp value). */
export function instantToLocal(instant: bigint, zone: string): bigint {
  return getTimeZone(zone).toLocal(instant)
}

/** The instant of a wall-clock time in a zone. */
export function localToInstant(local: bigint, zone: string, disambiguation: Disambiguation = 'compatible'): bigint {
  return getTimeZone(zone).toInstant(local, disambiguation)
}

function createZone(name: string): TimeZone {
  const upper = name.toUpperCase()
  if (upper === 'UTC' || upper === 'Z' || upper === 'GMT' || upper === 'ETC/UTC' || upper === 'ETC/GMT') {
    return fixedZone(name, 0n)
  }
  const m = OFFSET_TEXT.exec(name)
  if (m !== null) {
    const hours = Number(m[2])
    const minutes = Number(m[3] ?? '0')
    const seconds = Number(m[4] ?? '0')
    if (hours > 18 || minutes > 59 || seconds > 59) throw unknownZone(name)
    const total = BigInt(hours * 3600 + minutes * 60 + seconds) * NANOS_PER_SECOND

    return fixedZone(name, m[1] === '-' ? -total : total)
  }
  let format: Intl.DateTimeFormat
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
  } catch (cause) {
    throw unknownZone(name, cause)
  }

  return new IanaZone(name, format)
}

function unknownZone(name: string, cause?: unknown): FerrisError {
  return new FerrisError('FERRIS_TYPE_CONVERSION', `Unknown time zone "${name}"`, {
    value: name,
    expected: 'an IANA zone name such as Europe/Paris, UTC, or an offset such as +05:45',
    hint: 'Fix the time zone name',
    ...(cause === undefined ? {} : { cause }),
  })
}

function fixedZone(name: string, offset: bigint): TimeZone {
  return {
    name,
    fixedOffsetNanos: offset,
    offsetAt: () => offset,
    toLocal: (instant) => instant + offset,
    toInstant: (local) => local - offset,
  }
}

const BUCKET_NANOS = 15n * NANOS_PER_MINUTE
const CACHE_LIMIT = 8192

class IanaZone implements TimeZone {
  readonly name: string
  readonly #format: Intl.DateTimeFormat
  readonly #cache = new Map<bigint, bigint>()

  constructor(name: string, format: Intl.DateTimeFormat) {
    this.name = name
    this.#format = format
  }

  offsetAt(instant: bigint): bigint {
    // Limitation: offsets are cached per quarter hour, so a historical transition at an odd minute (local
    // mean time before 1900) takes effect up to 15 minutes late. Every transition since 1970 is on a quarter hour.
    const bucket = floorDiv(instant, BUCKET_NANOS)
    const hit = this.#cache.get(bucket)
    if (hit !== undefined) return hit
    const offset = this.#lookup(bucket * BUCKET_NANOS)
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear()
    this.#cache.set(bucket, offset)

    return offset
  }

  toLocal(instant: bigint): bigint {
    return instant + this.offsetAt(instant)
  }

  toInstant(local: bigint, disambiguation: Disambiguation = 'compatible'): bigint {
    // Offsets change by at most a day around any instant: try the offsets in force a day before and after.
    const before = this.offsetAt(local - NANOS_PER_DAY)
    const after = this.offsetAt(local + NANOS_PER_DAY)
    const a = local - before
    const b = local - after
    const aValid = this.offsetAt(a) === before
    const bValid = this.offsetAt(b) === after
    if (aValid && bValid && a !== b) {
      // A repeated wall-clock time (clocks went back).
      if (disambiguation === 'reject') throw this.#ambiguous(local, 'occurs twice')
      const [earlier, later] = a < b ? [a, b] : [b, a]

      return disambiguation === 'later' ? later : earlier
    }
    if (aValid) return a
    if (bValid) return b
    // A skipped wall-clock time (clocks went forward): no instant has it.
    if (disambiguation === 'reject') throw this.#ambiguous(local, 'does not exist (clocks go forward)')

    return disambiguation === 'earlier' ? local - after : local - before
  }

  #ambiguous(local: bigint, what: string): FerrisError {
    return new FerrisError(
      'FERRIS_TYPE_CONVERSION',
      `The local time ${formatTimestamp(local, 'ns')} ${what} in time zone ${this.name}`,
      {
        value: formatTimestamp(local, 'ns'),
        expected: `a wall-clock time that exists once in ${this.name}`,
        hint: 'Give the time with its UTC offset, e.g. 2024-03-10T03:30:00-04:00, or convert with lossy conversions allowed',
      },
    )
  }

  #lookup(instant: bigint): bigint {
    const ms = Number(floorDiv(instant, NANOS_PER_MILLI))
    let year = 0
    let month = 1
    let day = 1
    let hour = 0
    let minute = 0
    let second = 0
    let bc = false
    for (const part of this.#format.formatToParts(ms)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value)
          break
        case 'month':
          month = Number(part.value)
          break
        case 'day':
          day = Number(part.value)
          break
        case 'hour':
          hour = Number(part.value)
          break
        case 'minute':
          minute = Number(part.value)
          break
        case 'second':
          second = Number(part.value)
          break
        case 'era':
          bc = part.value.startsWith('B')
          break
      }
    }
    if (bc) year = 1 - year
    const localSeconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    const utcSeconds = Math.floor(ms / 1000)

    return BigInt(localSeconds - utcSeconds) * NANOS_PER_SECOND
  }
}

// ---------------------------------------------------------------------------------------------------------
// ISO 8601 text

const DATE_TEXT = /^([+-]\d{4,6}|\d{4})-(\d{2})-(\d{2})$/
const TIME_TEXT = /^(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?$/
const TIMESTAMP_TEXT =
  /^([+-]\d{4,6}|\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?(?::?\d{2})?)?(?:\[([^\]]+)\])?$/i

function conversionError(text: string, what: string, expected: string, detail?: string): FerrisError {
  return new FerrisError(
    'FERRIS_TYPE_CONVERSION',
    `Cannot read ${JSON.stringify(text)} as a ${what}${detail === undefined ? '' : `: ${detail}`}. Expected ${expected}`,
    { value: text, expected, hint: `Write the ${what} as ${expected}` },
  )
}

const DATE_EXPECTED = 'YYYY-MM-DD, e.g. 2024-02-29'
const TIME_EXPECTED = 'hh:mm:ss with up to 9 fractional digits, e.g. 13:45:30.123456'
const TIMESTAMP_EXPECTED = 'ISO 8601, e.g. 2024-03-10T02:30:00.123Z, 2024-03-10 07:30:00+05:45 or 2024-03-10T02:30:00'

function checkDate(text: string, what: string, expected: string, y: number, mo: number, d: number): void {
  if (mo < 1 || mo > 12) throw conversionError(text, what, expected, `month ${mo} does not exist`)
  if (d < 1 || d > daysInMonth(y, mo)) {
    throw conversionError(text, what, expected, `day ${d} does not exist in ${y}-${String(mo).padStart(2, '0')}`)
  }
}

/** Parses `YYYY-MM-DD` (years may be signed and have up to 6 digits) into days since 1970-01-01. */
export function parseDate(text: string): number {
  const m = DATE_TEXT.exec(text.trim())
  if (m === null) throw conversionError(text, 'date', DATE_EXPECTED)
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  checkDate(text, 'date', DATE_EXPECTED, y, mo, d)

  return daysFromCivil(y, mo, d)
}

function fractionNanos(digits: string | undefined, text: string, what: string, expected: string): bigint {
  if (digits === undefined || digits === '') return 0n
  if (digits.length > 9) throw conversionError(text, what, expected, 'more than 9 fractional digits')

  return BigInt(digits.padEnd(9, '0'))
}

/** Parses `hh:mm[:ss[.fffffffff]]` into nanoseconds since midnight. */
export function parseTime(text: string): bigint {
  const m = TIME_TEXT.exec(text.trim())
  if (m === null) throw conversionError(text, 'time', TIME_EXPECTED)
  const h = Number(m[1])
  const mi = Number(m[2])
  const s = Number(m[3] ?? '0')
  if (h > 23 || mi > 59 || s > 59) throw conversionError(text, 'time', TIME_EXPECTED, 'a field is out of range')

  return BigInt(h * 3600 + mi * 60 + s) * NANOS_PER_SECOND + fractionNanos(m[4], text, 'time', TIME_EXPECTED)
}

export interface ParseTimestampOptions {
  /**
   * The zone of a text without an offset. Absent: such a text is read as a wall clock in UTC, which is also
   * how local timestamps store their values.
   */
  readonly zone?: string
  readonly disambiguation?: Disambiguation
}

/**
 * Parses ISO 8601 text into epoch nanoseconds, exactly (up to 9 fractional digits). Accepts `T` or a space
 * between date and time, a date alone (midnight), `Z`, `±hh:mm`, `±hhmm` or `±hh` offsets, and a trailing
 * `[Zone/Name]` as Java prints it. A text with an offset is that instant whatever `zone` says.
 */
export function parseTimestamp(text: string, options: ParseTimestampOptions = {}): bigint {
  const m = TIMESTAMP_TEXT.exec(text.trim())
  if (m === null) throw conversionError(text, 'timestamp', TIMESTAMP_EXPECTED)
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  checkDate(text, 'timestamp', TIMESTAMP_EXPECTED, y, mo, d)
  const h = Number(m[4] ?? '0')
  const mi = Number(m[5] ?? '0')
  const s = Number(m[6] ?? '0')
  if (h > 23 || mi > 59 || s > 59) {
    throw conversionError(text, 'timestamp', TIMESTAMP_EXPECTED, 'a time field is out of range')
  }
  const local =
    BigInt(daysFromCivil(y, mo, d)) * NANOS_PER_DAY +
    BigInt(h * 3600 + mi * 60 + s) * NANOS_PER_SECOND +
    fractionNanos(m[7], text, 'timestamp', TIMESTAMP_EXPECTED)
  const offsetText = m[8]
  const zoneName = m[9]
  if (offsetText !== undefined) {
    const offset = offsetText.toUpperCase() === 'Z' ? 0n : fixedOffset(offsetText, text)

    return local - offset
  }
  const zone = zoneName ?? options.zone
  if (zone === undefined) return local

  return getTimeZone(zone).toInstant(local, options.disambiguation ?? 'compatible')
}

/** The two digits at `i` as a number, or -1 when either is not a digit. */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48
  const b = text.charCodeAt(i + 1) - 48

  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1
}

const FRACTION_SCALE = [1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 100, 10, 1]

/**
 * The common shapes of `parseTimestamp` (`YYYY-MM-DDThh:mm:ss`, a space for the `T`, up to 9 fractional
 * digits, an optional `Z`) read by character codes, with the date arithmetic in numbers and one conversion
 * to bigint: CSV and JSON files hold millions of these, and the general parser's regex dominated reading
 * them. Returns undefined for any other text, an invalid date or time, or fractional digits finer than
 * `fractionDigits` that are not zero, so the caller falls back to `parseTimestamp` and its precise errors.
 * Otherwise returns what `parseTimestamp(text, { zone, disambiguation })` returns.
 */
export function parseCommonTimestamp(
  text: string,
  fractionDigits: number,
  zone: string | undefined,
  disambiguation: Disambiguation,
): bigint | undefined {
  const n = text.length
  if (n < 19 || n > 30) return undefined
  const y1 = twoDigits(text, 0)
  const y2 = twoDigits(text, 2)
  const mo = twoDigits(text, 5)
  const d = twoDigits(text, 8)
  const h = twoDigits(text, 11)
  const mi = twoDigits(text, 14)
  const s = twoDigits(text, 17)
  const sep = text.charCodeAt(10)
  if (
    y1 < 0 ||
    y2 < 0 ||
    h < 0 ||
    mi < 0 ||
    s < 0 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    (sep !== 84 && sep !== 32) ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  ) {
    return undefined
  }
  const y = y1 * 100 + y2
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined
  let i = 19
  let fraction = 0
  let c = text.charCodeAt(i)
  if (c === 46 || c === 44) {
    const start = ++i
    for (c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) fraction = fraction * 10 + (c - 48)
    const digits = i - start
    if (digits === 0 || digits > 9) return undefined
    fraction *= FRACTION_SCALE[digits]!
    if (fractionDigits < 9 && fraction % FRACTION_SCALE[fractionDigits]! !== 0) return undefined
  }
  let utc = false
  if (i < n) {
    if (i !== n - 1 || (c !== 90 && c !== 122)) return undefined
    utc = true
  }
  const seconds = daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s
  // Whole milliseconds (the usual precision) fit a double exactly as epoch milliseconds: one bigint, not two.
  const local =
    fraction % 1_000_000 === 0
      ? BigInt(seconds * 1000 + fraction / 1_000_000) * NANOS_PER_MILLI
      : BigInt(seconds) * NANOS_PER_SECOND + BigInt(fraction)
  if (utc || zone === undefined) return local

  return getTimeZone(zone).toInstant(local, disambiguation)
}

function fixedOffset(offsetText: string, text: string): bigint {
  const zone = (() => {
    try {
      return getTimeZone(offsetText)
    } catch {
      throw conversionError(text, 'timestamp', TIMESTAMP_EXPECTED, `the offset ${offsetText} is out of range`)
    }
  })()

  return zone.fixedOffsetNanos ?? 0n
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

function formatYear(year: number): string {
  if (year >= 0 && year <= 9999) return pad(year, 4)

  return `${year < 0 ? '-' : '+'}${pad(Math.abs(year), 6)}`
}

/** `YYYY-MM-DD` for a day number; years outside 0-9999 as a signed six-digit year (ISO 8601 expanded form). */
export function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days)

  return `${formatYear(y)}-${pad(m, 2)}-${pad(d, 2)}`
}

const FRACTION_DIVISOR: Readonly<Record<TimeUnit, number>> = { ms: 1_000_000, us: 1_000, ns: 1 }

/** `hh:mm:ss.fff…` of nanoseconds within a day, as a number: below 2^47, so exact in a double. */
function formatClock(nod: number, unit: TimeUnit): string {
  const secs = Math.floor(nod / 1e9)
  const frac = Math.floor((nod - secs * 1e9) / FRACTION_DIVISOR[unit])
  const h = Math.floor(secs / 3600)
  const m = Math.floor(secs / 60) % 60
  const sec = secs % 60

  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${sec < 10 ? '0' : ''}${sec}.${String(frac).padStart(UNIT_DIGITS[unit], '0')}`
}

/** `hh:mm:ss` with the unit's fractional digits (3, 6 or 9), truncating finer digits. */
export function formatTime(nanosOfDay: bigint, unit: TimeUnit = 'ns'): string {
  return formatClock(Number(floorMod(nanosOfDay, NANOS_PER_DAY)), unit)
}

/** `Z`, or `±hh:mm` (with `:ss` when the offset has seconds). */
export function formatOffset(offsetNanos: bigint): string {
  if (offsetNanos === 0n) return 'Z'
  const total = Number((offsetNanos < 0n ? -offsetNanos : offsetNanos) / NANOS_PER_SECOND)
  const sign = offsetNanos < 0n ? '-' : '+'
  const text = `${sign}${pad(Math.floor(total / 3600), 2)}:${pad(Math.floor(total / 60) % 60, 2)}`

  return total % 60 === 0 ? text : `${text}:${pad(total % 60, 2)}`
}

/**
 * ISO 8601 text with exactly the unit's fractional digits (finer digits are truncated toward the past).
 * With `zone`, the instant is shown as the zone's wall clock and offset (`Z` for UTC); without, the value is a
 * local timestamp and gets no suffix.
 */
export function formatTimestamp(nanos: bigint, unit: TimeUnit = 'ns', zone?: string): string {
  const offset = zone === undefined ? 0n : getTimeZone(zone).offsetAt(nanos)
  const local = nanos + offset
  const days = floorDiv(local, NANOS_PER_DAY)
  // Truncating within the day is the same as truncating the instant: every unit divides a day.
  const text = `${formatDate(Number(days))}T${formatClock(Number(local - days * NANOS_PER_DAY), unit)}`

  return zone === undefined ? text : `${text}${formatOffset(offset)}`
}
