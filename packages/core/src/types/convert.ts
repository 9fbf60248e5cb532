import { FerrisError } from '../errors/ferris-error.js'
import { type DataType, type DecimalType, type TimeUnit, typeToString, UNIT_NANOS } from './data-type.js'
import { Decimal, isDecimal, MAX_DECIMAL_PRECISION } from './decimal.js'
import { Interval, isInterval } from './interval.js'
import { type ExactJson, isJsonNumber, parseExactJson } from './json-text.js'
import {
  type Disambiguation,
  daysFromCivil,
  daysInMonth,
  floorDiv,
  formatDate,
  formatTime,
  formatTimestamp,
  getTimeZone,
  NANOS_PER_DAY,
  NANOS_PER_SECOND,
  parseCommonTimestamp,
  parseDate,
  parseTime,
  parseTimestamp,
} from './timestamp.js'
import type { Value } from './value.js'

/**
 * Explicit conversions between the types of `data-type.ts`, on the representations of `value.ts`.
 *
 * A conversion that would lose information fails with FERRIS_TYPE_CONVERSION naming the value and both types,
 * unless `lossy: true` says the loss is wanted (an explicit SQL CAST). Then it rounds or truncates as SQL CAST
 * does: numbers round half away from zero (PostgreSQL's numeric rounding); decimal scale rounds half up;
 * timestamps and times truncate to the coarser unit toward the past; a wall-clock time that a DST change skips
 * moves forward by the gap, and one it repeats takes the earlier instant. A value out of the target's range is
 * never "approximately right", so it fails even when lossy conversions are allowed.
 */
export interface ConvertOptions {
  /** Allow rounding and truncation (SQL CAST semantics). Default false: any loss is an error. */
  readonly lossy?: boolean
  /** Overrides how a wall-clock time in a DST gap or overlap is resolved when `lossy` is set. */
  readonly disambiguation?: Disambiguation
}

export type Converter = (value: Value) => Value

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const POW10_CACHE: bigint[] = []
function pow10(n: number): bigint {
  POW10_CACHE[n] ??= 10n ** BigInt(n)

  return POW10_CACHE[n]!
}

/** Converts one value. For many values of the same types, `createConverter` once and call it per value. */
export function castValue(value: Value, from: DataType, to: DataType, options: ConvertOptions = {}): Value {
  return createConverter(from, to, options)(value)
}

/**
 * A function converting values of `from` into `to`, with every type decision taken once here, so a
 * connector or operator calls it per value without re-examining types. Null converts to null.
 */
export function createConverter(from: DataType, to: DataType, options: ConvertOptions = {}): Converter {
  const convert = converterFor(from, to, options)

  return (value) => (value === null ? null : convert(value))
}

/** Reads text (a CSV field, a JSON string, a URI parameter) as a value of `type`. See `parseText` rules below. */
export function parseValue(text: string, type: DataType, options: ConvertOptions = {}): Value {
  return parseText(text, type, options)
}

/** Reads the text of one value; see `createTextParser`. */
export type TextParser = (text: string) => Value

/**
 * `parseValue` bound to one type: every type decision is taken once here, and the shapes that fill real
 * files (plain integers and decimals such as `-123.45`, `YYYY-MM-DD`, `YYYY-MM-DDThh:mm:ss.fffZ`) are read by
 * character codes without a regex. Any other text goes through `parseValue`'s general rules, so results and
 * errors are exactly `parseValue(text, type, options)`'s. A connector binds one per column, not per value.
 */
export function createTextParser(type: DataType, options: ConvertOptions = {}): TextParser {
  const general: TextParser = (text) => parseText(text, type, options)
  switch (type.kind) {
    case 'string':
      return (text) => text
    case 'boolean':
      return (text) => (text === 'true' ? true : text === 'false' ? false : general(text))
    case 'int32':
      return (text) => {
        const n = plainInteger(text, 9)

        return n === undefined ? general(text) : n
      }
    case 'int64':
      return (text) => {
        const n = plainInteger(text, 15)
        if (n !== undefined) return BigInt(n)
        if (text.length > 20 || !isPlainIntegerText(text)) return general(text)
        const big = BigInt(text)

        return big < INT64_MIN || big > INT64_MAX ? general(text) : big
      }
    case 'float64':
      return (text) => {
        const n = plainFloat(text)
        if (n !== undefined) return n

        // A plain decimal spelling of at most 20 characters can neither overflow nor underflow to zero.
        return text.length <= 20 && isPlainNumberText(text) ? Number(text) : general(text)
      }
    case 'decimal': {
      const limit = type.precision >= 16 ? Number.POSITIVE_INFINITY : 10 ** type.precision

      return (text) => plainDecimal(text, type.scale, limit) ?? general(text)
    }
    case 'date':
      return (text) => {
        if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return general(text)
        const y1 = twoDigits(text, 0)
        const y2 = twoDigits(text, 2)
        const mo = twoDigits(text, 5)
        const d = twoDigits(text, 8)
        const y = y1 * 100 + y2
        if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return general(text)

        return daysFromCivil(y, mo, d)
      }
    case 'timestamp': {
      const digits = digitsOf(type.unit)
      const disambiguation = options.lossy === true ? (options.disambiguation ?? 'compatible') : 'reject'

      return (text) => parseCommonTimestamp(text, digits, type.timezone, disambiguation) ?? general(text)
    }
    default:
      return general
  }
}

/** The two digits at `i` as a number, or -1 when either is not a digit. */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48
  const b = text.charCodeAt(i + 1) - 48

  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1
}

/** `[+-]?\d+` with at most `maxDigits` digits, as a number; undefined for any other text. */
function plainInteger(text: string, maxDigits: number): number | undefined {
  const n = text.length
  let i = 0
  let c = text.charCodeAt(0)
  const negative = c === 45
  if (negative || c === 43) c = text.charCodeAt(++i)
  if (i === n || n - i > maxDigits) return undefined
  let v = 0
  for (; i < n; c = text.charCodeAt(++i)) {
    if (c < 48 || c > 57) return undefined
    v = v * 10 + (c - 48)
  }

  return negative ? -v : v
}

function isPlainIntegerText(text: string): boolean {
  const n = text.length
  let i = text.charCodeAt(0) === 45 || text.charCodeAt(0) === 43 ? 1 : 0
  if (i === n) return false
  for (; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }

  return true
}

const EXACT_POWERS_OF_TEN = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15]

/**
 * `[+-]?\d+(\.\d*)?` with at most 15 digits, read without `Number`: the digits and the power of ten are
 * both exact doubles, so one division rounds correctly (Clinger's fast path) and gives what `Number` gives.
 */
function plainFloat(text: string): number | undefined {
  const n = text.length
  if (n > 17) return undefined
  let i = 0
  let c = text.charCodeAt(0)
  const negative = c === 45
  if (negative || c === 43) c = text.charCodeAt(++i)
  let v = 0
  let digits = 0
  let point = -1
  for (; i < n; c = text.charCodeAt(++i)) {
    if (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48)
      digits++
    } else if (c === 46 && point < 0 && digits > 0) point = digits
    else return undefined
  }
  if (digits === 0 || digits > 15) return undefined
  const x = point < 0 ? v : v / EXACT_POWERS_OF_TEN[digits - point]!

  return negative ? -x : x
}

/** `[+-]?\d+(\.\d*)?`: what `Number` reads exactly as `FLOAT_TEXT` does. */
function isPlainNumberText(text: string): boolean {
  const n = text.length
  let i = text.charCodeAt(0) === 45 || text.charCodeAt(0) === 43 ? 1 : 0
  let digits = 0
  let point = false
  for (; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c >= 48 && c <= 57) digits++
    else if (c === 46 && !point && digits > 0) point = true
    else return false
  }

  return digits > 0
}

/**
 * `[+-]?\d+(\.\d*)?` with at most `scale` fractional digits and at most 15 digits once at `scale`, so the
 * unscaled value is exact in a double; undefined for any other text or a value of `limit` or more (the
 * general path then rounds, or reports the loss or overflow).
 */
function plainDecimal(text: string, scale: number, limit: number): Decimal | undefined {
  const n = text.length
  let i = 0
  let c = text.charCodeAt(0)
  const negative = c === 45
  if (negative || c === 43) c = text.charCodeAt(++i)
  let v = 0
  let digits = 0
  let point = -1
  for (; i < n; c = text.charCodeAt(++i)) {
    if (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48)
      digits++
    } else if (c === 46 && point < 0 && digits > 0) point = digits
    else return undefined
  }
  const fraction = point < 0 ? 0 : digits - point
  if (digits === 0 || fraction > scale || digits + scale - fraction > 15) return undefined
  const unscaled = v * 10 ** (scale - fraction)
  if (unscaled >= limit) return undefined

  return new Decimal(BigInt(negative ? -unscaled : unscaled), scale)
}

/**
 * The canonical text of a value: ISO 8601 dates, times and timestamps with the unit's fractional digits
 * (zoned timestamps with their offset), decimals in plain notation at the type's scale, 64-bit integers
 * exactly, bytes as base64, intervals as ISO 8601 durations, and lists, maps and structs as JSON (numbers
 * written exactly). `parseValue` reads every one of them back to the same value. Null prints as `null`.
 */
export function formatValue(value: Value, type: DataType): string {
  if (value === null) return 'null'
  switch (type.kind) {
    case 'null':
      return 'null'
    case 'boolean':
      return value ? 'true' : 'false'
    case 'int32':
    case 'int64':
      return String(value)
    case 'float64': {
      const n = value as number

      return Object.is(n, -0) ? '-0' : String(n)
    }
    case 'decimal': {
      const d = expectDecimal(value, type)

      return (d.scale < type.scale ? d.rescale(type.scale) : d).toString()
    }
    case 'string':
      return String(value)
    case 'bytes':
      return Buffer.from(value as Uint8Array).toString('base64')
    case 'date':
      return formatDate(value as number)
    case 'time':
      return formatTime(value as bigint, type.unit)
    case 'timestamp':
      return formatTimestamp(value as bigint, type.unit, type.timezone)
    case 'interval':
      return String(value)
    case 'list':
    case 'map':
    case 'struct':
      return jsonText(value, type)
  }
}

// ---------------------------------------------------------------------------------------------------------
// errors

function show(value: unknown, type?: DataType): string {
  try {
    if (type !== undefined && value !== null) {
      const text = formatValue(value as Value, type)

      return type.kind === 'string' ? JSON.stringify(text) : text
    }
  } catch {
    // fall through to a plain rendering
  }

  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

function lossError(value: Value, from: DataType, to: DataType, what: string): FerrisError {
  return new FerrisError(
    'FERRIS_TYPE_CONVERSION',
    `Converting ${show(value, from)} from ${typeToString(from)} to ${typeToString(to)} ${what}`,
    {
      value: show(value, from),
      expected: `a value that ${typeToString(to)} holds exactly`,
      hint: 'Use an explicit CAST to accept the rounding, or declare a wider type',
    },
  )
}

function rangeError(value: Value, from: DataType, to: DataType, range: string): FerrisError {
  return new FerrisError(
    'FERRIS_TYPE_CONVERSION',
    `${show(value, from)} (${typeToString(from)}) is out of the range of ${typeToString(to)}, ${range}`,
    { value: show(value, from), expected: range, hint: 'Declare a wider type for the column' },
  )
}

function unsupported(from: DataType, to: DataType): FerrisError {
  return new FerrisError(
    'FERRIS_TYPE_CONVERSION',
    `There is no conversion from ${typeToString(from)} to ${typeToString(to)}`,
    {
      value: typeToString(from),
      expected: `a type that converts to ${typeToString(to)}`,
      hint: 'Convert through STRING or use a function made for it (e.g. TO_TIMESTAMP for epoch numbers)',
    },
  )
}

function badRepresentation(value: unknown, type: DataType): FerrisError {
  const seen =
    value instanceof Uint8Array
      ? 'Uint8Array'
      : typeof value === 'object'
        ? (value?.constructor?.name ?? 'object')
        : typeof value

  return new FerrisError(
    'FERRIS_INTERNAL',
    `A ${typeToString(type)} value is represented by a ${seen} (${show(value)}); see the table in @ferris/core types/value.ts`,
    { value: show(value), expected: `the representation of ${typeToString(type)}` },
  )
}

function expectDecimal(value: Value, type: DataType): Decimal {
  if (!isDecimal(value)) throw badRepresentation(value, type)

  return value
}

// ---------------------------------------------------------------------------------------------------------
// numbers

/** The exact value of an integral double (2^60 is 1152921504606846976, not the 1152921504606847000 it prints as). */
function exactDecimalOf(n: number): Decimal {
  return Number.isInteger(n) ? new Decimal(BigInt(n), 0) : Decimal.fromNumber(n)
}

function roundHalfAway(n: number): number {
  return n < 0 ? -Math.round(-n) : Math.round(n)
}

/** A decimal as the target decimal type: scale adjusted (rounding only when lossy), precision checked. */
function fitDecimal(
  d: Decimal,
  to: DecimalType,
  lossy: boolean,
  onLoss: () => FerrisError,
  value: Value,
  from: DataType,
): Decimal {
  let out = d
  if (d.scale !== to.scale) {
    if (!d.fitsScale(to.scale) && !lossy) throw onLoss()
    out = d.rescale(to.scale, 'half_up')
  }
  const limit = pow10(to.precision)
  if (out.unscaled >= limit || out.unscaled <= -limit) {
    throw rangeError(value, from, to, `which holds at most ${to.precision - to.scale} digits before the decimal point`)
  }

  return out
}

function int64FromBigInt(n: bigint, value: Value, from: DataType, to: DataType): bigint {
  if (n < INT64_MIN || n > INT64_MAX) throw rangeError(value, from, to, `-9223372036854775808 to 9223372036854775807`)

  return n
}

function int32FromNumber(n: number, value: Value, from: DataType, to: DataType): number {
  if (n < INT32_MIN || n > INT32_MAX) throw rangeError(value, from, to, '-2147483648 to 2147483647')

  return n
}

function toInteger(from: DataType, to: DataType, lossy: boolean): (v: Value) => Value {
  const wide = to.kind === 'int64'
  const fromBig = (n: bigint, v: Value): bigint | number => {
    if (wide) return int64FromBigInt(n, v, from, to)
    if (n < BigInt(INT32_MIN) || n > BigInt(INT32_MAX)) throw rangeError(v, from, to, '-2147483648 to 2147483647')

    return Number(n)
  }
  switch (from.kind) {
    case 'boolean':
      return (v) => (wide ? (v ? 1n : 0n) : v ? 1 : 0)
    case 'int32':
      return (v) => {
        if (typeof v !== 'number') throw badRepresentation(v, from)

        return wide ? BigInt(v) : v
      }
    case 'int64':
      return (v) => {
        if (typeof v !== 'bigint') throw badRepresentation(v, from)

        return fromBig(v, v)
      }
    case 'float64':
      return (v) => {
        if (typeof v !== 'number') throw badRepresentation(v, from)
        if (!Number.isFinite(v)) throw rangeError(v, from, to, 'which has no NaN or infinity')
        let n = v
        if (!Number.isInteger(n)) {
          if (!lossy) throw lossError(v, from, to, 'loses its fractional part')
          n = roundHalfAway(n)
        }
        if (wide) {
          // 2^63 itself is a double but not an int64.
          if (n >= 2 ** 63 || n < -(2 ** 63))
            throw rangeError(v, from, to, '-9223372036854775808 to 9223372036854775807')

          return BigInt(n)
        }

        return int32FromNumber(n, v, from, to)
      }
    case 'decimal':
      return (v) => {
        const d = expectDecimal(v, from)
        if (!d.fitsScale(0) && !lossy) throw lossError(v, from, to, 'loses its fractional part')

        return fromBig(d.rescale(0, 'half_up').unscaled, v)
      }
    case 'string':
      return (v) => parseText(v as string, to, { lossy })
    default:
      throw unsupported(from, to)
  }
}

function toFloat(from: DataType, to: DataType, lossy: boolean): (v: Value) => Value {
  switch (from.kind) {
    case 'boolean':
      return (v) => (v ? 1 : 0)
    case 'int32':
      return (v) => v
    case 'float64':
      return (v) => v
    case 'int64':
      return (v) => {
        if (typeof v !== 'bigint') throw badRepresentation(v, from)
        const n = Number(v)
        if (!lossy && BigInt(n) !== v) throw lossError(v, from, to, `is not exact (the nearest double is ${n})`)

        return n
      }
    case 'decimal':
      return (v) => {
        const d = expectDecimal(v, from)
        const n = d.toNumber()
        if (!lossy && !Decimal.fromNumber(n).equals(d) && !(Number.isFinite(n) && exactDecimalOf(n).equals(d))) {
          throw lossError(v, from, to, `is not exact (the nearest double is ${n})`)
        }

        return n
      }
    case 'string':
      return (v) => parseText(v as string, to, { lossy })
    default:
      throw unsupported(from, to)
  }
}

function toDecimal(from: DataType, to: DecimalType, lossy: boolean): (v: Value) => Value {
  const fit = (d: Decimal, v: Value) =>
    fitDecimal(d, to, lossy, () => lossError(v, from, to, `loses digits beyond scale ${to.scale}`), v, from)
  switch (from.kind) {
    case 'boolean':
      return (v) => fit(new Decimal(v ? 1n : 0n, 0), v)
    case 'int32':
    case 'int64':
      return (v) => fit(new Decimal(BigInt(v as number | bigint), 0), v)
    case 'float64':
      return (v) => {
        if (typeof v !== 'number') throw badRepresentation(v, from)
        if (!Number.isFinite(v)) throw rangeError(v, from, to, 'which has no NaN or infinity')

        // Limitation: a fractional double's shortest spelling (what JavaScript prints) is taken as its decimal
        // value, not its exact binary expansion: 0.1 becomes 0.1, as users expect. Whole doubles are exact.
        return fit(Number.isInteger(v) ? new Decimal(BigInt(v), 0) : Decimal.fromNumber(v), v)
      }
    case 'decimal':
      return (v) => fit(expectDecimal(v, from), v)
    case 'string':
      return (v) => parseText(v as string, to, { lossy })
    default:
      throw unsupported(from, to)
  }
}

function toBoolean(from: DataType, to: DataType, lossy: boolean): (v: Value) => Value {
  switch (from.kind) {
    case 'boolean':
      return (v) => v
    case 'int32':
      return (v) => v !== 0
    case 'int64':
      return (v) => v !== 0n
    case 'float64':
      return (v) => {
        if (Number.isNaN(v)) throw rangeError(v, from, to, 'which has no NaN')

        return v !== 0
      }
    case 'decimal':
      return (v) => !expectDecimal(v, from).isZero()
    case 'string':
      return (v) => parseText(v as string, to, { lossy })
    default:
      throw unsupported(from, to)
  }
}

// ---------------------------------------------------------------------------------------------------------
// time

function truncateToUnit(nanos: bigint, unit: TimeUnit, lossy: boolean, onLoss: () => FerrisError): bigint {
  const step = UNIT_NANOS[unit]
  if (step === 1n) return nanos
  const truncated = floorDiv(nanos, step) * step
  if (truncated !== nanos && !lossy) throw onLoss()

  return truncated
}

function toTimestamp(
  from: DataType,
  to: Extract<DataType, { kind: 'timestamp' }>,
  options: ConvertOptions,
): (v: Value) => Value {
  const lossy = options.lossy === true
  const disambiguation: Disambiguation = lossy ? (options.disambiguation ?? 'compatible') : 'reject'
  const toZone = to.timezone === undefined ? undefined : getTimeZone(to.timezone)
  const unit = (n: bigint, v: Value) =>
    truncateToUnit(n, to.unit, lossy, () => lossError(v, from, to, `loses digits finer than ${to.unit}`))
  const localToTarget = (local: bigint, v: Value): bigint => {
    if (toZone === undefined) return local
    try {
      return toZone.toInstant(local, disambiguation)
    } catch (cause) {
      throw new FerrisError(
        'FERRIS_TYPE_CONVERSION',
        `Converting ${show(v, from)} from ${typeToString(from)} to ${typeToString(to)} fails: ${(cause as Error).message}`,
        { value: show(v, from), cause, hint: 'Use an explicit CAST to move it by the DST gap, or give the UTC offset' },
      )
    }
  }
  switch (from.kind) {
    case 'timestamp': {
      const fromZone = from.timezone === undefined ? undefined : getTimeZone(from.timezone)

      return (v) => {
        if (typeof v !== 'bigint') throw badRepresentation(v, from)
        let n = v
        if (fromZone === undefined && toZone !== undefined) n = localToTarget(v, v)
        else if (fromZone !== undefined && toZone === undefined) n = fromZone.toLocal(v)

        return unit(n, v)
      }
    }
    case 'date':
      return (v) => {
        if (typeof v !== 'number') throw badRepresentation(v, from)

        return unit(localToTarget(BigInt(v) * NANOS_PER_DAY, v), v)
      }
    case 'string':
      return (v) => parseText(v as string, to, options)
    default:
      throw unsupported(from, to)
  }
}

function toDate(from: DataType, to: DataType, options: ConvertOptions): (v: Value) => Value {
  const lossy = options.lossy === true
  switch (from.kind) {
    case 'date':
      return (v) => v
    case 'timestamp': {
      const zone = from.timezone === undefined ? undefined : getTimeZone(from.timezone)

      return (v) => {
        if (typeof v !== 'bigint') throw badRepresentation(v, from)
        const local = zone === undefined ? v : zone.toLocal(v)
        const days = floorDiv(local, NANOS_PER_DAY)
        if (!lossy && days * NANOS_PER_DAY !== local) throw lossError(v, from, to, 'loses its time of day')

        return Number(days)
      }
    }
    case 'string':
      return (v) => parseText(v as string, to, options)
    default:
      throw unsupported(from, to)
  }
}

function toTime(from: DataType, to: Extract<DataType, { kind: 'time' }>, options: ConvertOptions): (v: Value) => Value {
  const lossy = options.lossy === true
  const unit = (n: bigint, v: Value) =>
    truncateToUnit(n, to.unit, lossy, () => lossError(v, from, to, `loses digits finer than ${to.unit}`))
  switch (from.kind) {
    case 'time':
      return (v) => {
        if (typeof v !== 'bigint') throw badRepresentation(v, from)

        return unit(v, v)
      }
    case 'timestamp': {
      const zone = from.timezone === undefined ? undefined : getTimeZone(from.timezone)

      return (v) => {
        if (typeof v !== 'bigint') throw badRepresentation(v, from)
        if (!lossy) throw lossError(v, from, to, 'loses its date')
        const local = zone === undefined ? v : zone.toLocal(v)

        return unit(local - floorDiv(local, NANOS_PER_DAY) * NANOS_PER_DAY, v)
      }
    }
    case 'string':
      return (v) => parseText(v as string, to, options)
    default:
      throw unsupported(from, to)
  }
}

// ---------------------------------------------------------------------------------------------------------
// the dispatcher

function converterFor(from: DataType, to: DataType, options: ConvertOptions): (v: Value) => Value {
  const lossy = options.lossy === true
  if (from.kind === 'null') return () => null
  if (to.kind === 'string') {
    if (from.kind === 'bytes') {
      const decoder = new TextDecoder('utf-8', { fatal: !lossy })

      return (v) => {
        try {
          return decoder.decode(v as Uint8Array)
        } catch {
          throw lossError(v, from, to, 'is not UTF-8 text')
        }
      }
    }

    return (v) => formatValue(v, from)
  }
  switch (to.kind) {
    case 'null':
      return (v) => {
        throw lossError(v, from, to, 'is impossible: NULL holds no other value')
      }
    case 'boolean':
      return toBoolean(from, to, lossy)
    case 'int32':
    case 'int64':
      return toInteger(from, to, lossy)
    case 'float64':
      return toFloat(from, to, lossy)
    case 'decimal':
      return toDecimal(from, to, lossy)
    case 'bytes':
      if (from.kind === 'bytes') return (v) => v
      if (from.kind === 'string') {
        const encoder = new TextEncoder()

        return (v) => encoder.encode(v as string)
      }
      throw unsupported(from, to)
    case 'date':
      return toDate(from, to, options)
    case 'time':
      return toTime(from, to, options)
    case 'timestamp':
      return toTimestamp(from, to, options)
    case 'interval':
      if (from.kind === 'interval') return (v) => v
      if (from.kind === 'string') return (v) => parseText(v as string, to, options)
      throw unsupported(from, to)
    case 'list': {
      if (from.kind === 'string') return (v) => parseText(v as string, to, options)
      if (from.kind !== 'list') throw unsupported(from, to)
      const element = createConverter(from.element, to.element, options)

      return (v) => (v as readonly Value[]).map(element)
    }
    case 'map': {
      if (from.kind === 'string') return (v) => parseText(v as string, to, options)
      if (from.kind !== 'map') throw unsupported(from, to)
      const key = createConverter(from.key, to.key, options)
      const value = createConverter(from.value, to.value, options)

      return (v) => {
        const out = new Map<Value, Value>()
        for (const [k, x] of v as ReadonlyMap<Value, Value>) out.set(key(k), value(x))

        return out
      }
    }
    case 'struct': {
      if (from.kind === 'string') return (v) => parseText(v as string, to, options)
      if (from.kind !== 'struct' || from.fields.length !== to.fields.length) throw unsupported(from, to)
      // Limitation: fields convert by position, as SQL row casts do, not by name; the target's names apply.
      const fields = to.fields.map((f, i) => {
        const source = from.fields[i]!

        return { name: f.name, source: source.name, convert: createConverter(source.type, f.type, options) }
      })

      return (v) => {
        const s = v as Readonly<Record<string, Value>>
        const out: Record<string, Value> = {}
        for (const f of fields) out[f.name] = f.convert(s[f.source] ?? null)

        return out
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// text → value

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  t: true,
  f: false,
  yes: true,
  no: false,
  y: true,
  n: false,
  on: true,
  off: false,
  '1': true,
  '0': false,
}
const INTEGER_TEXT = /^[+-]?\d+$/
const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const SPECIAL_FLOATS: Readonly<Record<string, number>> = {
  nan: Number.NaN,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
}
const INTERVAL_TEXT =
  /^([+-])?P(?:([+-]?\d+)Y)?(?:([+-]?\d+)M)?(?:([+-]?\d+)W)?(?:([+-]?\d+)D)?(?:T(?:([+-]?\d+)H)?(?:([+-]?\d+)M)?(?:([+-]?\d+)(?:[.,](\d{1,9}))?S)?)?$/i

function textError(text: string, type: DataType, expected: string, detail?: string): FerrisError {
  return new FerrisError(
    'FERRIS_TYPE_CONVERSION',
    `Cannot read ${JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text)} as ${typeToString(type)}${detail === undefined ? '' : `: ${detail}`}. Expected ${expected}`,
    { value: text, expected, hint: `Write the value as ${expected}` },
  )
}

/**
 * Text rules: booleans accept true/false, t/f, yes/no, y/n, on/off, 1/0; integers are plain digits with an
 * optional sign; doubles also accept NaN, Infinity and inf; decimals accept an exponent; bytes are base64 or
 * hex after `\x` or `0x`; dates, times and timestamps are ISO 8601 (a timestamp without an offset is read in
 * the type's zone, or as a local wall clock); intervals are ISO 8601 durations; lists, maps and structs are
 * JSON. Surrounding blanks are ignored except for strings.
 */
function parseText(input: string, type: DataType, options: ConvertOptions): Value {
  const lossy = options.lossy === true
  const text = type.kind === 'string' ? input : input.trim()
  switch (type.kind) {
    case 'null':
      if (text === '' || text.toLowerCase() === 'null') return null
      throw textError(input, type, 'NULL')
    case 'string':
      return text
    case 'boolean': {
      // Own keys only: "constructor" or "__proto__" must not read as a value inherited from Object.prototype.
      const key = text.toLowerCase()
      const b = Object.hasOwn(BOOLEAN_TEXT, key) ? BOOLEAN_TEXT[key] : undefined
      if (b === undefined) throw textError(input, type, 'true or false (also t/f, yes/no, on/off, 1/0)')

      return b
    }
    case 'int32': {
      if (!INTEGER_TEXT.test(text)) throw textError(input, type, 'an integer such as -42')
      const n = Number(text)
      if (n < INT32_MIN || n > INT32_MAX)
        throw textError(input, type, 'an integer from -2147483648 to 2147483647', 'out of range')

      return n
    }
    case 'int64': {
      if (!INTEGER_TEXT.test(text)) throw textError(input, type, 'an integer such as -42')
      const n = BigInt(text)
      if (n < INT64_MIN || n > INT64_MAX) {
        throw textError(input, type, 'an integer from -9223372036854775808 to 9223372036854775807', 'out of range')
      }

      return n
    }
    case 'float64': {
      if (FLOAT_TEXT.test(text)) {
        const n = Number(text)
        if (!Number.isFinite(n)) {
          throw textError(input, type, 'a number within ±1.7976931348623157e308', 'out of range')
        }
        if (n === 0 && /[1-9]/.test(text.replace(/e.*$/i, '')) && !lossy) {
          throw textError(input, type, 'a number a double can hold', 'too small for a double (it would read as 0)')
        }

        return n
      }
      const key = text.toLowerCase()
      const special = Object.hasOwn(SPECIAL_FLOATS, key) ? SPECIAL_FLOATS[key] : undefined
      if (special === undefined) throw textError(input, type, 'a number such as -1.5e3, NaN or Infinity')

      return special
    }
    case 'decimal': {
      let d: Decimal
      try {
        d = Decimal.parse(text)
      } catch {
        throw textError(input, type, 'a decimal number such as -1234.50')
      }

      return fitDecimal(
        d,
        type,
        lossy,
        () =>
          textError(
            input,
            type,
            `at most ${type.scale} fractional digits`,
            `has more than ${type.scale} fractional digits`,
          ),
        text,
        { kind: 'string' },
      )
    }
    case 'bytes':
      return parseBytes(text, type)
    case 'date':
      return parseDate(text)
    case 'time': {
      const n = parseTime(text)

      return truncateToUnit(n, type.unit, lossy, () =>
        textError(input, type, `at most ${digitsOf(type.unit)} fractional digits`, `finer than ${type.unit}`),
      )
    }
    case 'timestamp': {
      const n = parseTimestamp(text, {
        ...(type.timezone === undefined ? {} : { zone: type.timezone }),
        disambiguation: lossy ? (options.disambiguation ?? 'compatible') : 'reject',
      })

      return truncateToUnit(n, type.unit, lossy, () =>
        textError(input, type, `at most ${digitsOf(type.unit)} fractional digits`, `finer than ${type.unit}`),
      )
    }
    case 'interval':
      return parseInterval(text, input, type)
    case 'list':
    case 'map':
    case 'struct':
      return fromJson(parseExactJson(text), type, options, input)
  }
}

function digitsOf(unit: TimeUnit): number {
  return unit === 'ms' ? 3 : unit === 'us' ? 6 : 9
}

// Limitation: text holds bytes as base64 or as hex after \x / 0x; no other encoding is guessed.
function parseBytes(text: string, type: DataType): Uint8Array {
  if (/^(\\x|0x)/i.test(text)) {
    const hex = text.slice(2)
    if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) throw textError(text, type, 'hex digits in pairs after \\x')

    return new Uint8Array(Buffer.from(hex, 'hex'))
  }
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw textError(text, type, 'base64 text, or hex after \\x (e.g. \\xdeadbeef)')
  }

  return new Uint8Array(Buffer.from(text, 'base64'))
}

function parseInterval(text: string, input: string, type: DataType): Interval {
  const m = INTERVAL_TEXT.exec(text)
  if (m === null || /^[+-]?PT?$/i.test(text)) {
    throw textError(input, type, 'an ISO 8601 duration such as P1Y2M3DT4H5M6.5S or -PT30S')
  }
  const sign = m[1] === '-' ? -1 : 1
  const n = (s: string | undefined) => (s === undefined ? 0 : Number(s))
  const months = sign * (n(m[2]) * 12 + n(m[3]))
  const days = sign * (n(m[4]) * 7 + n(m[5]))
  const secText = m[8]
  const negativeSeconds = secText?.startsWith('-') === true
  const secNanos =
    (secText === undefined ? 0n : BigInt(secText.replace(/^[+-]/, '')) * NANOS_PER_SECOND) +
    BigInt((m[9] ?? '').padEnd(9, '0') || '0')
  const nanos =
    BigInt(n(m[6])) * 3_600n * NANOS_PER_SECOND +
    BigInt(n(m[7])) * 60n * NANOS_PER_SECOND +
    (negativeSeconds ? -secNanos : secNanos)

  return new Interval(months + 0, days + 0, sign < 0 ? -nanos : nanos)
}

function fromJson(json: ExactJson, type: DataType, options: ConvertOptions, input: string): Value {
  if (json === null) return null
  const lossy = options.lossy === true
  const mismatch = () =>
    textError(
      input,
      type,
      `JSON that fits ${typeToString(type)}`,
      `${describeJson(json)} does not fit ${typeToString(type)}`,
    )
  if (isJsonNumber(json)) {
    switch (type.kind) {
      case 'int32':
      case 'int64':
      case 'float64':
      case 'decimal':
        if (INTEGER_TEXT.test(json.text) || type.kind === 'float64' || type.kind === 'decimal') {
          return parseText(json.text, type, options)
        }

        {
          // 1e3 or 2.0 into an integer: exact when the decimal value is whole.
          const d = Decimal.parse(json.text)

          return castValue(d, { kind: 'decimal', precision: MAX_DECIMAL_PRECISION, scale: d.scale }, type, options)
        }
      case 'string':
        return json.text
      default:
        throw mismatch()
    }
  }
  if (typeof json === 'string') {
    if (type.kind === 'list' || type.kind === 'map' || type.kind === 'struct') throw mismatch()

    return parseText(json, type, options)
  }
  if (typeof json === 'boolean') {
    if (type.kind === 'boolean') return json
    if (type.kind === 'string') return String(json)
    throw mismatch()
  }
  if (Array.isArray(json)) {
    if (type.kind !== 'list') throw mismatch()

    return json.map((item) => fromJson(item, type.element, options, input))
  }
  if (type.kind === 'map') {
    const out = new Map<Value, Value>()
    for (const [k, v] of Object.entries(json))
      out.set(parseText(k, type.key, options), fromJson(v, type.value, options, input))

    return out
  }
  if (type.kind === 'struct') {
    const out: Record<string, Value> = {}
    const known = new Set(type.fields.map((f) => f.name))
    const extra = Object.keys(json).filter((k) => !known.has(k))
    if (extra.length > 0 && !lossy) {
      throw textError(
        input,
        type,
        `only the fields ${[...known].join(', ')}`,
        `unknown field ${extra.map((k) => JSON.stringify(k)).join(', ')}`,
      )
    }
    for (const f of type.fields) {
      const v = Object.hasOwn(json, f.name) ? fromJson(json[f.name]!, f.type, options, input) : null
      if (v === null && !f.nullable)
        throw textError(input, type, `a value for field ${f.name}`, `field ${f.name} is missing or null`)
      out[f.name] = v
    }

    return out
  }
  if (type.kind === 'string') return jsonOf(json)
  throw mismatch()
}

function describeJson(json: ExactJson): string {
  if (isJsonNumber(json)) return `the number ${json.text}`
  if (Array.isArray(json)) return 'an array'
  if (typeof json === 'object' && json !== null) return 'an object'

  return `the ${typeof json} ${JSON.stringify(json)}`
}

function jsonOf(json: ExactJson): string {
  if (isJsonNumber(json)) return json.text
  if (Array.isArray(json)) return `[${json.map(jsonOf).join(',')}]`
  if (typeof json === 'object' && json !== null) {
    return `{${Object.entries(json)
      .map(([k, v]) => `${JSON.stringify(k)}:${jsonOf(v)}`)
      .join(',')}}`
  }

  return JSON.stringify(json)
}

// ---------------------------------------------------------------------------------------------------------
// value → JSON text (nested values)

function jsonText(value: Value, type: DataType): string {
  if (value === null) return 'null'
  switch (type.kind) {
    case 'boolean':
    case 'int32':
    case 'int64':
      return String(value)
    case 'float64':
      return Number.isFinite(value as number) ? formatValue(value, type) : JSON.stringify(String(value))
    case 'decimal':
      return formatValue(value, type)
    case 'null':
      return 'null'
    case 'list':
      return `[${(value as readonly Value[]).map((v) => jsonText(v, type.element)).join(',')}]`
    case 'map': {
      const entries: string[] = []
      for (const [k, v] of value as ReadonlyMap<Value, Value>) {
        entries.push(`${JSON.stringify(formatValue(k, type.key))}:${jsonText(v, type.value)}`)
      }

      return `{${entries.join(',')}}`
    }
    case 'struct': {
      const s = value as Readonly<Record<string, Value>>

      return `{${type.fields.map((f) => `${JSON.stringify(f.name)}:${jsonText(s[f.name] ?? null, f.type)}`).join(',')}}`
    }
    default:
      return JSON.stringify(formatValue(value, type))
  }
}

/** Checks a value has the representation of its type (see `value.ts`); for tests and connector boundaries. */
export function isValueOf(value: Value, type: DataType): boolean {
  if (value === null) return true
  switch (type.kind) {
    case 'null':
      return false
    case 'boolean':
      return typeof value === 'boolean'
    case 'int32':
      return typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX
    case 'int64':
      return typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX
    case 'float64':
      return typeof value === 'number'
    case 'decimal':
      return isDecimal(value)
    case 'string':
      return typeof value === 'string'
    case 'bytes':
      return value instanceof Uint8Array
    case 'date':
      return typeof value === 'number' && Number.isInteger(value)
    case 'time':
      return typeof value === 'bigint' && value >= 0n && value < NANOS_PER_DAY
    case 'timestamp':
      return typeof value === 'bigint'
    case 'interval':
      return isInterval(value)
    case 'list':
      return Array.isArray(value) && value.every((v) => isValueOf(v, type.element))
    case 'map':
      return value instanceof Map && [...value].every(([k, v]) => isValueOf(k, type.key) && isValueOf(v, type.value))
    case 'struct':
      return (
        typeof value === 'object' &&
        value.constructor === Object &&
        type.fields.every((f) => isValueOf((value as Record<string, Value>)[f.name] ?? null, f.type))
      )
  }
}
