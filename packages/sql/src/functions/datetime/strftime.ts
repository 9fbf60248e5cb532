import {
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  FerrisError,
  formatOffset,
  NANOS_PER_DAY,
  NANOS_PER_SECOND,
  type TimeZone,
} from '@ferris/core'
import { isoWeek, type LocalFields, localFields } from './local-fields.js'

/**
 * The pattern language of DATE_FORMAT and TO_TIMESTAMP: strftime-style (C, Python, MySQL) directives
 * after `%`, every other character literal.
 *
 * | directive | meaning                                   | example       |
 * |-----------|-------------------------------------------|---------------|
 * | `%Y`      | year, at least 4 digits                   | 2024          |
 * | `%y`      | year within the century, 2 digits         | 24            |
 * | `%m`      | month 01–12                               | 03            |
 * | `%d`      | day of the month 01–31                    | 09            |
 * | `%e`      | day of the month, space-padded            | ` 9`          |
 * | `%j`      | day of the year 001–366                   | 069           |
 * | `%H`      | hour 00–23                                | 14            |
 * | `%I`      | hour 01–12                                | 02            |
 * | `%p`      | AM or PM                                  | PM            |
 * | `%M`      | minute 00–59                              | 05            |
 * | `%S`      | second 00–59                              | 07            |
 * | `%L`      | milliseconds, 3 digits                    | 123           |
 * | `%f`      | microseconds, 6 digits                    | 123456        |
 * | `%N`      | nanoseconds, 9 digits                     | 123456789     |
 * | `%a` `%A` | weekday name, short and full (English)    | Sat, Saturday |
 * | `%b` `%B` | month name, short and full (English)      | Mar, March    |
 * | `%u`      | ISO weekday 1 (Monday)–7                  | 6             |
 * | `%w`      | weekday 0 (Sunday)–6                      | 6             |
 * | `%V` `%G` | ISO week 01–53 and its year               | 10, 2024      |
 * | `%z`      | UTC offset `+hhmm` (`+0000` for a local timestamp) | +0100 |
 * | `%Z`      | the time zone's name (`UTC` for a local timestamp) | Europe/Paris |
 * | `%s`      | seconds since 1970-01-01 (the instant)    | 1709990707    |
 * | `%F` `%T` | `%Y-%m-%d` and `%H:%M:%S`                 |               |
 * | `%%`      | a literal `%`                             |               |
 *
 * When parsing (TO_TIMESTAMP), `%L`, `%f` and `%N` read 1 to 9 fractional digits, `%z` also reads `Z`,
 * `+hh:mm` and `+hh`, names are read without regard to case, and `%u %w %V %G %a %A` are checked against
 * the date that the other fields give.
 */
export const DIRECTIVES = 'YymdejHIpMSLfNaAbBuwVGzZsFT%'

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

/** The value being formatted: its wall clock fields, the offset applied and the instant. */
export interface FormatInput {
  readonly fields: LocalFields
  readonly offsetNanos: bigint
  readonly zoneName: string
  readonly instant: bigint
}

type Piece = (x: FormatInput) => string

const pad = (n: number, width: number): string => {
  const s = String(Math.abs(n)).padStart(width, '0')

  return n < 0 ? `-${s}` : s
}

function directive(c: string, pattern: string): Piece {
  switch (c) {
    case 'Y':
      return (x) => pad(x.fields.year, 4)
    case 'y':
      return (x) => pad(((x.fields.year % 100) + 100) % 100, 2)
    case 'm':
      return (x) => pad(x.fields.month, 2)
    case 'd':
      return (x) => pad(x.fields.day, 2)
    case 'e':
      return (x) => String(x.fields.day).padStart(2, ' ')
    case 'j':
      return (x) => pad(x.fields.doy, 3)
    case 'H':
      return (x) => pad(x.fields.hour, 2)
    case 'I':
      return (x) => pad(((x.fields.hour + 11) % 12) + 1, 2)
    case 'p':
      return (x) => (x.fields.hour < 12 ? 'AM' : 'PM')
    case 'M':
      return (x) => pad(x.fields.minute, 2)
    case 'S':
      return (x) => pad(x.fields.second, 2)
    case 'L':
      return (x) => pad(Math.floor(x.fields.nanos / 1_000_000), 3)
    case 'f':
      return (x) => pad(Math.floor(x.fields.nanos / 1000), 6)
    case 'N':
      return (x) => pad(x.fields.nanos, 9)
    case 'a':
      return (x) => DAY_NAMES[x.fields.isoDow - 1]!.slice(0, 3)
    case 'A':
      return (x) => DAY_NAMES[x.fields.isoDow - 1]!
    case 'b':
      return (x) => MONTH_NAMES[x.fields.month - 1]!.slice(0, 3)
    case 'B':
      return (x) => MONTH_NAMES[x.fields.month - 1]!
    case 'u':
      return (x) => String(x.fields.isoDow)
    case 'w':
      return (x) => String(x.fields.isoDow % 7)
    case 'V':
      return (x) => pad(isoWeek(x.fields.days).week, 2)
    case 'G':
      return (x) => pad(isoWeek(x.fields.days).isoYear, 4)
    case 'z':
      return (x) => {
        const o = formatOffset(x.offsetNanos)

        return o === 'Z' ? '+0000' : o.replace(':', '')
      }
    case 'Z':
      return (x) => x.zoneName
    case 's':
      return (x) => {
        const s = x.instant / NANOS_PER_SECOND

        return String(x.instant < 0n && s * NANOS_PER_SECOND !== x.instant ? s - 1n : s)
      }
    case 'F':
      return (x) => `${pad(x.fields.year, 4)}-${pad(x.fields.month, 2)}-${pad(x.fields.day, 2)}`
    case 'T':
      return (x) => `${pad(x.fields.hour, 2)}:${pad(x.fields.minute, 2)}:${pad(x.fields.second, 2)}`
    case '%':
      return () => '%'
    default:
      throw new FerrisError('FERRIS_SQL_SEMANTIC', `Date pattern '${pattern}' has an unknown directive %${c}`, {
        value: pattern,
        expected: `directives %${DIRECTIVES.split('').join(' %')}`,
        hint: 'write %% for a literal percent sign',
      })
  }
}

/** Compiles a pattern once into a formatter. Throws FERRIS_SQL_SEMANTIC (or `code`) on an unknown directive. */
export function compileFormat(
  pattern: string,
  code: 'FERRIS_SQL_SEMANTIC' | 'FERRIS_EVALUATION' = 'FERRIS_SQL_SEMANTIC',
): (x: FormatInput) => string {
  const pieces: Piece[] = []
  let literal = ''
  try {
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!
      if (c !== '%') {
        literal += c
        continue
      }
      const d = pattern[i + 1]
      if (d === undefined) {
        throw new FerrisError(code, `Date pattern '${pattern}' ends with a lone %`, {
          value: pattern,
          hint: 'write %% for a literal percent sign',
        })
      }
      if (literal !== '') {
        const text = literal
        pieces.push(() => text)
        literal = ''
      }
      pieces.push(directive(d, pattern))
      i++
    }
  } catch (error) {
    if (code === 'FERRIS_EVALUATION' && error instanceof FerrisError)
      throw new FerrisError(code, error.message, { cause: error })
    throw error
  }
  if (literal !== '') {
    const text = literal
    pieces.push(() => text)
  }

  return (x) => {
    let out = ''
    for (const p of pieces) out += p(x)

    return out
  }
}

/** The format input of an instant shown in a zone (or of a local wall clock, with `zone` undefined). */
export function formatInput(value: bigint, zone: TimeZone | undefined): FormatInput {
  if (zone === undefined) return { fields: localFields(value), offsetNanos: 0n, zoneName: 'UTC', instant: value }
  const offset = zone.offsetAt(value)

  return { fields: localFields(value + offset), offsetNanos: offset, zoneName: zone.name, instant: value }
}

// ---------------------------------------------------------------------------------------------------- parsing

interface Parsed {
  year?: number
  yy?: number
  month?: number
  day?: number
  doy?: number
  hour?: number
  hour12?: number
  pm?: boolean
  minute?: number
  second?: number
  nanos?: number
  offsetNanos?: bigint
  epochSeconds?: bigint
  checks: Array<(days: number) => boolean>
}

type Reader = (text: string, at: number, out: Parsed) => number

function digits(min: number, max: number, set: (n: number, out: Parsed) => void, signed = false): Reader {
  return (text, at, out) => {
    let i = at
    let sign = 1
    if (signed && (text[i] === '-' || text[i] === '+')) {
      sign = text[i] === '-' ? -1 : 1
      i++
    }
    const start = i
    while (i < text.length && i - start < max && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++
    if (i - start < min) return -1
    set(sign * Number(text.slice(start, i)), out)

    return i
  }
}

function names(list: readonly string[], short: boolean, set: (index: number, out: Parsed) => void): Reader {
  return (text, at, out) => {
    const rest = text.slice(at).toLowerCase()
    for (let k = 0; k < list.length; k++) {
      const name = short ? list[k]!.slice(0, 3) : list[k]!
      if (rest.startsWith(name.toLowerCase())) {
        set(k, out)

        return at + name.length
      }
    }

    return -1
  }
}

function literalReader(expected: string): Reader {
  return (text, at) => (text.startsWith(expected, at) ? at + expected.length : -1)
}

const fraction: Reader = (text, at, out) => {
  let i = at
  while (i < text.length && i - at < 9 && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++
  if (i === at) return -1
  out.nanos = Number(text.slice(at, i).padEnd(9, '0'))

  return i
}

const offsetReader: Reader = (text, at, out) => {
  if (text[at] === 'Z' || text[at] === 'z') {
    out.offsetNanos = 0n

    return at + 1
  }
  const m = /^([+-])(\d{2}):?(\d{2})?/.exec(text.slice(at))
  if (m === null) return -1
  const seconds = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60
  out.offsetNanos = BigInt(m[1] === '-' ? -seconds : seconds) * NANOS_PER_SECOND

  return at + m[0].length
}

function readerFor(c: string, pattern: string): Reader {
  switch (c) {
    case 'Y':
      // Four digits, so %Y%m%d reads 20240309; a signed year (+012345, -0044) may have up to six.
      return (text, at, out) =>
        text[at] === '+' || text[at] === '-'
          ? digits(
              4,
              6,
              (n, o) => {
                o.year = n
              },
              true,
            )(text, at, out)
          : digits(4, 4, (n, o) => {
              o.year = n
            })(text, at, out)
    case 'y':
      return digits(2, 2, (n, o) => {
        o.yy = n
      })
    case 'm':
      return digits(1, 2, (n, o) => {
        o.month = n
      })
    case 'd':
      return digits(1, 2, (n, o) => {
        o.day = n
      })
    case 'e':
      return (text, at, out) =>
        digits(1, 2, (n, o) => {
          o.day = n
        })(text, text[at] === ' ' ? at + 1 : at, out)
    case 'j':
      return digits(1, 3, (n, o) => {
        o.doy = n
      })
    case 'H':
      return digits(1, 2, (n, o) => {
        o.hour = n
      })
    case 'I':
      return digits(1, 2, (n, o) => {
        o.hour12 = n
      })
    case 'p':
      return names(['AM', 'PM'], false, (k, o) => {
        o.pm = k === 1
      })
    case 'M':
      return digits(1, 2, (n, o) => {
        o.minute = n
      })
    case 'S':
      return digits(1, 2, (n, o) => {
        o.second = n
      })
    case 'L':
    case 'f':
    case 'N':
      return fraction
    case 'a':
    case 'A':
      return names(DAY_NAMES, c === 'a', (k, o) => {
        o.checks.push((days) => ((days % 7) + 7 + 3) % 7 === k)
      })
    case 'b':
    case 'B':
      return names(MONTH_NAMES, c === 'b', (k, o) => {
        o.month = k + 1
      })
    case 'u':
      return digits(1, 1, (n, o) => {
        o.checks.push((days) => ((((days + 3) % 7) + 7) % 7) + 1 === n)
      })
    case 'w':
      return digits(1, 1, (n, o) => {
        o.checks.push((days) => ((((days + 3) % 7) + 7) % 7) + 1 === (n === 0 ? 7 : n))
      })
    case 'V':
      return digits(1, 2, (n, o) => {
        o.checks.push((days) => isoWeek(days).week === n)
      })
    case 'G':
      return digits(4, 4, (n, o) => {
        o.checks.push((days) => isoWeek(days).isoYear === n)
      })
    case 'z':
      return offsetReader
    case 's':
      return (text, at, out) => {
        const m = /^-?\d+/.exec(text.slice(at))
        if (m === null) return -1
        out.epochSeconds = BigInt(m[0])

        return at + m[0].length
      }
    case 'F':
      return sequence(['Y', '-', 'm', '-', 'd'], pattern)
    case 'T':
      return sequence(['H', ':', 'M', ':', 'S'], pattern)
    case '%':
      return literalReader('%')
    default:
      // Formatting and parsing accept the same directives; reuse its error.
      directive(c, pattern)

      return literalReader(c)
  }
}

function sequence(parts: readonly string[], pattern: string): Reader {
  const readers = parts.map((p) => (p.length === 1 && /[A-Za-z]/.test(p) ? readerFor(p, pattern) : literalReader(p)))

  return (text, at, out) => {
    let i = at
    for (const r of readers) {
      i = r(text, i, out)
      if (i < 0) return -1
    }

    return i
  }
}

/**
 * Compiles a pattern into a parser returning local nanoseconds, or an instant when the text carries an
 * offset (`%z`) or epoch seconds (`%s`): `{ nanos, instant }`. Throws FERRIS_TYPE_CONVERSION naming the text
 * and the pattern when the text does not match or names an impossible date.
 */
export function compileParse(pattern: string): (text: string) => { nanos: bigint; instant: boolean } {
  const readers: Reader[] = []
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '%') {
      const d = pattern[i + 1]
      if (d === undefined) {
        throw new FerrisError('FERRIS_SQL_SEMANTIC', `Date pattern '${pattern}' ends with a lone %`, {
          value: pattern,
          hint: 'write %% for a literal percent sign',
        })
      }
      readers.push(readerFor(d, pattern))
      i++
    } else {
      readers.push(literalReader(c))
    }
  }

  return (text) => {
    const fail = (why: string): never => {
      throw new FerrisError('FERRIS_TYPE_CONVERSION', `Cannot read '${text}' with the pattern '${pattern}': ${why}`, {
        value: text,
        expected: `text in the form '${pattern}'`,
      })
    }
    const out: Parsed = { checks: [] }
    let at = 0
    for (let k = 0; k < readers.length; k++) {
      const next = readers[k]!(text, at, out)
      if (next < 0) fail(`no match at character ${at + 1}`)
      at = next
    }
    if (at !== text.length) fail(`unexpected text after character ${at}`)
    if (out.epochSeconds !== undefined) {
      return { nanos: out.epochSeconds * NANOS_PER_SECOND + BigInt(out.nanos ?? 0), instant: true }
    }
    const year = out.year ?? (out.yy !== undefined ? 2000 + out.yy : 1970)
    let month = out.month ?? 1
    let day = out.day ?? 1
    if (out.doy !== undefined) {
      const d = daysFromCivil(year, 1, 1) + out.doy - 1
      if (out.doy < 1 || d >= daysFromCivil(year + 1, 1, 1)) fail(`day of year ${out.doy} does not exist in ${year}`)
      ;[, month, day] = civilFromDays(d)
    }
    if (month < 1 || month > 12) fail(`month ${month} does not exist`)
    if (day < 1 || day > daysInMonth(year, month))
      fail(`day ${day} does not exist in ${year}-${String(month).padStart(2, '0')}`)
    let hour = out.hour ?? 0
    if (out.hour12 !== undefined) {
      if (out.hour12 < 1 || out.hour12 > 12) fail(`hour ${out.hour12} is not on a 12-hour clock`)
      hour = (out.hour12 % 12) + (out.pm === true ? 12 : 0)
    } else if (out.pm === true && hour < 12) {
      hour += 12
    }
    const minute = out.minute ?? 0
    const second = out.second ?? 0
    if (hour > 23 || minute > 59 || second > 59) fail('a time field is out of range')
    const days = daysFromCivil(year, month, day)
    for (const check of out.checks) if (!check(days)) fail('the weekday or week does not agree with the date')
    const local =
      BigInt(days) * NANOS_PER_DAY +
      BigInt(hour * 3600 + minute * 60 + second) * NANOS_PER_SECOND +
      BigInt(out.nanos ?? 0)
    if (out.offsetNanos !== undefined) return { nanos: local - out.offsetNanos, instant: true }

    return { nanos: local, instant: false }
  }
}
