import { type DataType, MAX_DECIMAL_PRECISION, parseValue, T } from '@ferris/core'
import { isJsonNumberText, type JsonAny } from '../json/exact-json.js'
import { widen } from './widen.js'

const INTEGER = /^[+-]?\d+$/
const FLOAT = /^[+-]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][+-]?\d+)?$/
const BOOLEAN = /^(?:true|false)$/i
const DATE = /^\d{4}-\d{2}-\d{2}$/
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/

/**
 * The type a text value suggests. Integers: INT when they fit 32 bits, BIGINT 64, else DECIMAL(p, 0);
 * an integer with a leading zero (`007`, a zip code) stays STRING. Numbers with a point or an exponent:
 * DOUBLE, except a plain fraction with more significant digits than a DOUBLE keeps: DECIMAL(p, s). `true`/`false` in any case: BOOLEAN. `YYYY-MM-DD`: DATE. `YYYY-MM-DD[T ]hh:mm[:ss[.f]]`:
 * TIMESTAMP (microseconds, nanoseconds with more than 6 fraction digits), with time zone UTC when it ends in
 * `Z` or an offset. Dates and timestamps are also checked to exist (no 2024-02-30). Anything else: STRING.
 */
export function textType(text: string): DataType {
  if (INTEGER.test(text)) return integerType(text)
  if (FLOAT.test(text)) return exactFractionType(text.replace(/^\+/, '')) ?? T.float64
  if (BOOLEAN.test(text)) return T.boolean

  return temporalType(text) ?? T.string
}

function integerType(text: string): DataType {
  const digits = text.replace(/^[+-]/, '')
  if (digits.length > 1 && digits.startsWith('0')) return T.string
  const v = BigInt(text)
  if (v >= -(2n ** 31n) && v < 2n ** 31n) return T.int32
  if (v >= -(2n ** 63n) && v < 2n ** 63n) return T.int64

  return digits.length <= MAX_DECIMAL_PRECISION ? T.decimal(digits.length, 0) : T.string
}

/** Significant digits a DOUBLE keeps for any decimal text; up to 17, some texts survive and others do not. */
const DOUBLE_DIGITS = 15

/** Whether the DOUBLE nearest to `text` prints back as the same significant `digits` (`3.141592653589793` does). */
function readsExactlyAsDouble(text: string, digits: string): boolean {
  if (digits.length <= DOUBLE_DIGITS) return true
  if (digits.length > 17) return false
  const printed = Number(text)
    .toPrecision(digits.length)
    .replace(/e.*$/, '')
    .replace(/[-.]/g, '')
    .replace(/^0+/, '')
    .replace(/0+$/, '')

  return printed === digits
}

/**
 * DECIMAL for a plain fraction (`12345678901234567.89`, no exponent) with more significant digits than a DOUBLE
 * keeps, so inference never rounds a value silently; undefined for short fractions, which DOUBLE reads exactly.
 */
function exactFractionType(text: string): DataType | undefined {
  const m = /^-?(\d*)\.(\d+)$/.exec(text)
  if (m === null) return undefined
  const intDigits = m[1]!.replace(/^0+/, '').length
  const scale = m[2]!.length
  const digits = `${m[1]}${m[2]}`.replace(/^0+/, '').replace(/0+$/, '')
  if (intDigits + scale > MAX_DECIMAL_PRECISION || readsExactlyAsDouble(text, digits)) return undefined

  return T.decimal(Math.max(intDigits + scale, 1), scale)
}

function temporalType(text: string): DataType | undefined {
  let type: DataType | undefined
  if (DATE.test(text)) type = T.date
  else {
    const m = TIMESTAMP.exec(text)
    if (m === null) return undefined
    const fraction = (m[1]?.length ?? 1) - 1
    type = T.timestamp(fraction > 6 ? 'ns' : 'us', m[2] === undefined ? undefined : 'UTC')
  }
  try {
    parseValue(text, type)
    return type
  } catch {
    return undefined
  }
}

/**
 * The type a parsed JSON value suggests: numbers by value (integers INT/BIGINT/DECIMAL, others DOUBLE, long
 * exact fractions DECIMAL), strings that are dates or timestamps as such (other strings stay STRING, even
 * `"42"`), arrays LIST of their elements' widened type, objects STRUCT. `undefined` for null.
 */
export function jsonType(v: JsonAny): DataType | undefined {
  if (v === null) return undefined
  if (typeof v === 'boolean') return T.boolean
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return T.float64
    return v >= -(2 ** 31) && v < 2 ** 31 ? T.int32 : Number.isSafeInteger(v) ? T.int64 : T.float64
  }
  if (isJsonNumberText(v)) {
    if (INTEGER.test(v.text)) return integerType(v.text)
    return exactFractionType(v.text) ?? T.float64
  }
  if (typeof v === 'string') return temporalType(v) ?? T.string
  if (Array.isArray(v)) {
    let element: DataType | undefined
    for (const e of v) element = widen(element, jsonType(e))
    return T.list(element ?? T.null)
  }

  return T.struct(Object.entries(v).map(([name, e]) => ({ name, type: jsonType(e) ?? T.null, nullable: true })))
}
