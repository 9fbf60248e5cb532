import {
  type DataType,
  FerrisError,
  floorMod,
  formatDate,
  formatTime,
  formatTimestamp,
  formatValue,
  isDecimal,
  NANOS_PER_MICRO,
  typeToString,
  type Value,
} from '@ferris/core'

/** Turns a value into the text PostgreSQL reads for a parameter of the column's type; null stays null. */
export type ParamEncoder = (value: Value) => string | null

/**
 * The encoder for a field, chosen once per field. Every parameter is sent as text and typed by the column
 * it goes into, so exact values (int64, decimals, nanosecond timestamps) never pass through a JS number.
 */
export function paramEncoder(type: DataType, subject: string): ParamEncoder {
  const encode = encoderFor(type, subject)

  return (value) => (value === null || value === undefined ? null : encode(value))
}

function encoderFor(type: DataType, subject: string): (value: Value) => string {
  switch (type.kind) {
    case 'null':
      return () => 'NULL'
    case 'boolean':
      return (v) => (v ? 't' : 'f')
    case 'int32':
    case 'int64':
      return (v) => String(v)
    case 'float64':
      return (v) => {
        const n = v as number
        if (Number.isNaN(n)) return 'NaN'
        if (n === Number.POSITIVE_INFINITY) return 'Infinity'
        if (n === Number.NEGATIVE_INFINITY) return '-Infinity'

        return String(n)
      }
    case 'decimal':
      return (v) => {
        if (!isDecimal(v)) throw representation(v, type, subject)

        return v.toString()
      }
    case 'string':
      return (v) => {
        const s = String(v)
        if (s.includes('\u0000')) {
          throw new FerrisError('FERRIS_RECORD_MALFORMED', `${subject}: PostgreSQL text cannot hold a NUL character`, {
            subject,
            value: s,
            expected: 'text without \\u0000',
            hint: "Remove the NUL characters (e.g. REPLACE(col, CHR(0), '')) or write the column as BYTES",
          })
        }

        return s
      }
    case 'bytes':
      return (v) => `\\x${Buffer.from(v as Uint8Array).toString('hex')}`
    case 'date':
      return (v) => checkYear(formatDate(v as number), v, type, subject)
    case 'time':
      return (v) => formatTime(exactMicros(v as bigint, type, subject), 'us')
    case 'timestamp': {
      const zoned = type.timezone !== undefined
      const fast = fastTimestampFormatter(zoned)

      // A zoned timestamp is sent as its UTC instant (`...Z`): the session time zone never shifts it.
      return (v) => {
        const nanos = v as bigint
        const micros = nanos / NANOS_PER_MICRO
        if (micros * NANOS_PER_MICRO !== nanos) exactMicros(nanos, type, subject)

        return fast(micros) ?? checkYear(formatTimestamp(nanos, 'us', zoned ? 'UTC' : undefined), v, type, subject)
      }
    }
    case 'interval':
      return (v) => String(v)
    case 'list': {
      const element = encoderFor(type.element, subject)
      // A list of lists is a multi-dimensional array: inner literals are written unquoted.
      const nested = type.element.kind === 'list'

      return (v) => arrayLiteral(v as readonly Value[], element, nested)
    }
    case 'struct':
    case 'map':
      // JSON with exact numbers (core's canonical text), stored in jsonb.
      return (v) => formatValue(v, type)
  }
}

const MICROS_PER_DAY = 86_400_000_000
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'))

/**
 * A formatter of whole-microsecond timestamps as ISO text for the hot path: number arithmetic, and the date
 * part computed once per day seen (rows of a batch mostly share their day). Undefined outside the range where
 * microseconds are exact doubles (about years 1685 to 2255), which the general formatter handles.
 */
function fastTimestampFormatter(zoned: boolean): (micros: bigint) => string | undefined {
  const suffix = zoned ? 'Z' : ''
  let lastDay = Number.NaN
  let lastDate = ''

  return (big) => {
    const micros = Number(big)
    if (!Number.isSafeInteger(micros)) return undefined
    const day = Math.floor(micros / MICROS_PER_DAY)
    if (day !== lastDay) {
      lastDate = new Date(day * 86_400_000).toISOString().slice(0, 10)
      lastDay = day
    }
    let rest = micros - day * MICROS_PER_DAY
    const h = Math.floor(rest / 3_600_000_000)
    rest -= h * 3_600_000_000
    const m = Math.floor(rest / 60_000_000)
    rest -= m * 60_000_000
    const sec = Math.floor(rest / 1_000_000)
    rest -= sec * 1_000_000

    return `${lastDate}T${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[sec]}.${String(1_000_000 + rest).slice(1)}${suffix}`
  }
}

/** PostgreSQL keeps microseconds: a value with finer digits is refused rather than silently truncated. */
function exactMicros(nanos: bigint, type: DataType, subject: string): bigint {
  if (floorMod(nanos, NANOS_PER_MICRO) !== 0n) {
    throw new FerrisError(
      'FERRIS_TYPE_CONVERSION',
      `${subject}: ${formatValue(nanos, type)} has nanoseconds, which PostgreSQL cannot keep (it stores microseconds)`,
      {
        subject,
        value: formatValue(nanos, type),
        expected: 'a value in whole microseconds',
        hint: 'Truncate it first, e.g. CAST(ts AS TIMESTAMP(6))',
      },
    )
  }

  return nanos
}

function checkYear(text: string, value: Value, type: DataType, subject: string): string {
  if (text.startsWith('+') || text.startsWith('-')) {
    throw new FerrisError('FERRIS_TYPE_CONVERSION', `${subject}: the year of ${text} is outside 0000-9999`, {
      subject,
      value: formatValue(value, type),
      expected: 'a date between 0000-01-01 and 9999-12-31',
    })
  }

  return text
}

function arrayLiteral(items: readonly Value[], element: (v: Value) => string, nested: boolean): string {
  const parts = items.map((item) => {
    if (item === null || item === undefined) return 'NULL'
    if (nested) return element(item)

    return `"${element(item).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
  })

  return `{${parts.join(',')}}`
}

function representation(value: unknown, type: DataType, subject: string): FerrisError {
  return new FerrisError('FERRIS_INTERNAL', `${subject}: a ${typeToString(type)} value arrived as ${typeof value}`, {
    subject,
    expected: 'the representation listed in @ferris/core types/value.ts',
  })
}
