import type { Field, Row, Value } from '@ferris/core'
import { jsonToValue } from '../convert/json-value.js'
import { JsonNumberText } from './exact-json.js'

/**
 * Reads a flat JSON object straight from its bytes into a row, or gives up. `undefined` instead of a scanner
 * for columns it cannot tell apart (names that differ only in case).
 *
 * Why: most messages are one small flat object of ASCII text. The general path builds the text, a parsed
 * object and a string per key before it looks at a single column; this reads the bytes once and builds
 * only the column values. It covers objects whose values are strings without escapes, numbers, booleans and
 * nulls, in ASCII; keys that name no column are skipped when their value is such a scalar.
 *
 * It returns `undefined`, and the caller takes the general path (which gives the row or the error), for
 * anything else: a byte above 0x7F, an escape, a nested object or array, a key that matches a column only
 * when case is ignored, a number with a fraction or an exponent for an INT or BIGINT (or more than 15 digits
 * for an INT), and any text that is not valid JSON. So it is never more lenient than
 * `JSON.parse`, and the rows it gives are those of the general path: values are made by the same
 * `jsonToValue` from the same JSON values, a DOUBLE is the correctly rounded double `JSON.parse` gives, and a
 * BIGINT of more than 15 digits keeps its digits.
 *
 * Not thread-safe across re-entrant calls (it keeps its token positions between calls to spare allocations),
 * which JavaScript's single thread makes moot.
 */
export function flatObjectScanner(
  fields: readonly Field[],
  paths: readonly string[],
): ((bytes: Uint8Array) => Row | undefined) | undefined {
  const n = fields.length
  // Two columns whose names differ only in case: which key fills which depends on the keys present (see
  // `jsonMessageDecoder`), a choice left to the general path.
  if (new Set(fields.map((f) => f.name.toLowerCase())).size !== n) return undefined
  const names = fields.map((f) => new TextEncoder().encode(f.name))
  const lowerNames = fields.map((f) => new TextEncoder().encode(f.name.toLowerCase()))
  const kinds = fields.map((f) => f.type.kind)
  // Per column: where its value's token starts and ends, which kind of token it is, and the call that set them
  // (a column whose `seen` is not the current call's number is absent from the message).
  const starts = new Int32Array(n)
  const ends = new Int32Array(n)
  const tokens = new Uint8Array(n)
  const seen = new Float64Array(n)
  let call = 0

  const keyIndex = (b: Uint8Array, ks: number, ke: number, guess: number): number => {
    if (guess < n && sameBytes(b, ks, ke, names[guess]!)) return guess
    for (let i = 0; i < n; i++) if (i !== guess && sameBytes(b, ks, ke, names[i]!)) return i
    // The general path matches a key to a column case-insensitively when no key has its exact name.
    for (let i = 0; i < n; i++) if (sameBytesFolded(b, ks, ke, lowerNames[i]!)) return FOLDED

    return UNKNOWN
  }

  return (b) => {
    call++
    const len = b.length
    let i = skipSpace(b, 0, len)
    if (b[i] !== OPEN) return undefined
    i = skipSpace(b, i + 1, len)
    let guess = 0
    if (b[i] === CLOSE) {
      i++
    } else {
      for (;;) {
        if (b[i] !== QUOTE) return undefined
        const ks = i + 1
        const ke = stringEnd(b, ks, len)
        if (ke < 0) return undefined
        i = skipSpace(b, ke + 1, len)
        if (b[i] !== COLON) return undefined
        i = skipSpace(b, i + 1, len)
        const column = keyIndex(b, ks, ke, guess)
        if (column === FOLDED) return undefined
        const vs = i
        const c = b[i]
        let token: number
        if (c === QUOTE) {
          const se = stringEnd(b, i + 1, len)
          if (se < 0) return undefined
          i = se + 1
          token = STRING
        } else if (c === TRUE_T) {
          if (!literal(b, i, TRUE_BYTES)) return undefined
          i += 4
          token = TRUE
        } else if (c === FALSE_F) {
          if (!literal(b, i, FALSE_BYTES)) return undefined
          i += 5
          token = FALSE
        } else if (c === NULL_N) {
          if (!literal(b, i, NULL_BYTES)) return undefined
          i += 4
          token = NULL
        } else {
          i = numberEnd(b, i, len)
          if (i < 0) return undefined
          token = NUMBER
        }
        if (column !== UNKNOWN) {
          // A repeated key: the last one counts, as with JSON.parse.
          starts[column] = vs
          ends[column] = i
          tokens[column] = token
          seen[column] = call
          guess = column + 1
        }
        i = skipSpace(b, i, len)
        if (b[i] === COMMA) {
          i = skipSpace(b, i + 1, len)
          continue
        }
        if (b[i] !== CLOSE) return undefined
        i++
        break
      }
    }
    if (skipSpace(b, i, len) !== len) return undefined

    const row: Value[] = new Array<Value>(n)
    for (let f = 0; f < n; f++) {
      const token = tokens[f]
      if (seen[f] !== call || token === NULL) {
        row[f] = null
        continue
      }
      const s = starts[f]!
      const e = ends[f]!
      const kind = kinds[f]
      if (token === STRING) {
        const text = ascii(b, s + 1, e - 1)
        row[f] = kind === 'string' ? text : jsonToValue(text, fields[f]!.type, paths[f]!)
      } else if (token === NUMBER) {
        if (kind === 'float64') {
          row[f] = doubleOf(b, s, e)
        } else if (kind === 'int64' || kind === 'int32') {
          if (!plainInteger(b, s, e)) return undefined
          const digits = e - s - (b[s] === MINUS ? 1 : 0)
          if (digits > 15) {
            // Beyond what a double holds exactly: the digits themselves, as the general path's exact parser gives.
            if (kind === 'int32') return undefined
            row[f] = jsonToValue(new JsonNumberText(ascii(b, s, e)), fields[f]!.type, paths[f]!)
          } else {
            const v = smallInteger(b, s, e)
            row[f] =
              kind === 'int64'
                ? BigInt(v)
                : v >= INT32_MIN && v <= INT32_MAX
                  ? v
                  : jsonToValue(v, fields[f]!.type, paths[f]!)
          }
        } else {
          // DECIMAL, STRING and the rest: the JSON value the general path converts. It keeps a number's text
          // when it has more than 15 significant digits (then its 16-digit run always makes the general path
          // re-parse exactly) and otherwise takes the double, which is the same whichever parser read it.
          const v = significantDigits(b, s, e) > 15 ? new JsonNumberText(ascii(b, s, e)) : doubleOf(b, s, e)
          row[f] = jsonToValue(v, fields[f]!.type, paths[f]!)
        }
      } else {
        row[f] = jsonToValue(token === TRUE, fields[f]!.type, paths[f]!)
      }
    }

    return row
  }
}

const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1
const UNKNOWN = -1
const FOLDED = -2
const STRING = 1
const NUMBER = 2
const TRUE = 3
const FALSE = 4
const NULL = 5

const OPEN = 0x7b
const CLOSE = 0x7d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const COMMA = 0x2c
const MINUS = 0x2d
const PLUS = 0x2b
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39
const TRUE_T = 0x74
const FALSE_F = 0x66
const NULL_N = 0x6e
const TRUE_BYTES = [0x74, 0x72, 0x75, 0x65]
const FALSE_BYTES = [0x66, 0x61, 0x6c, 0x73, 0x65]
const NULL_BYTES = [0x6e, 0x75, 0x6c, 0x6c]

/** Powers of ten a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k)

function skipSpace(b: Uint8Array, i: number, len: number): number {
  while (i < len) {
    const c = b[i]!
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
    i++
  }

  return i
}

/** The index of the closing quote of a string starting at `i`; -1 for an escape, a control or non-ASCII byte. */
function stringEnd(b: Uint8Array, i: number, len: number): number {
  while (i < len) {
    const c = b[i]!
    if (c === QUOTE) return i
    if (c === BACKSLASH || c < 0x20 || c > 0x7f) return -1
    i++
  }

  return -1
}

function literal(b: Uint8Array, i: number, bytes: readonly number[]): boolean {
  for (let k = 0; k < bytes.length; k++) if (b[i + k] !== bytes[k]) return false

  return true
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= ZERO && c <= NINE
}

/** The end of a JSON number starting at `i` (RFC 8259 grammar), or -1 when it is not one. */
function numberEnd(b: Uint8Array, i: number, len: number): number {
  if (b[i] === MINUS) i++
  if (b[i] === ZERO) {
    i++
  } else if (isDigit(b[i])) {
    while (i < len && isDigit(b[i])) i++
  } else {
    return -1
  }
  if (b[i] === DOT) {
    i++
    if (!isDigit(b[i])) return -1
    while (i < len && isDigit(b[i])) i++
  }
  const c = b[i]
  if (c === 0x65 || c === 0x45) {
    i++
    if (b[i] === PLUS || b[i] === MINUS) i++
    if (!isDigit(b[i])) return -1
    while (i < len && isDigit(b[i])) i++
  }

  return i
}

function plainInteger(b: Uint8Array, s: number, e: number): boolean {
  for (let i = b[s] === MINUS ? s + 1 : s; i < e; i++) if (!isDigit(b[i])) return false

  return true
}

/** An integer of at most 15 digits (exact in a double); `-0` is 0, as BigInt(-0) would make it anyway. */
function smallInteger(b: Uint8Array, s: number, e: number): number {
  const negative = b[s] === MINUS
  let v = 0
  for (let i = negative ? s + 1 : s; i < e; i++) v = v * 10 + (b[i]! - ZERO)

  return negative ? -v : v
}

/**
 * The double of a valid JSON number: with at most 15 digits and a decimal exponent within ±22, the digits as an
 * integer times or divided by an exact power of ten, which IEEE arithmetic rounds once, correctly (the fast
 * case of Clinger's algorithm), so it equals what `JSON.parse` gives. Otherwise `Number` of its text.
 */
function doubleOf(b: Uint8Array, s: number, e: number): number {
  const negative = b[s] === MINUS
  let i = negative ? s + 1 : s
  let mantissa = 0
  let digits = 0
  let exponent = 0
  while (i < e && isDigit(b[i])) {
    mantissa = mantissa * 10 + (b[i]! - ZERO)
    digits++
    i++
  }
  if (b[i] === DOT) {
    i++
    while (i < e && isDigit(b[i])) {
      mantissa = mantissa * 10 + (b[i]! - ZERO)
      digits++
      exponent--
      i++
    }
  }
  if (i < e) {
    // An exponent: short ones only; a long one goes to Number.
    i++
    const minus = b[i] === MINUS
    if (b[i] === MINUS || b[i] === PLUS) i++
    if (e - i > 4) return Number(ascii(b, s, e))
    let x = 0
    while (i < e) x = x * 10 + (b[i++]! - ZERO)
    exponent += minus ? -x : x
  }
  if (digits > 15 || exponent > 22 || exponent < -22) return Number(ascii(b, s, e))
  const v = exponent >= 0 ? mantissa * POW10[exponent]! : mantissa / POW10[-exponent]!

  return negative ? -v : v
}

/**
 * The significant digits of a number's mantissa, counted as the exact parser does: leading zeros (also those
 * after the point) do not count, trailing zeros do.
 */
function significantDigits(b: Uint8Array, s: number, e: number): number {
  let count = 0
  let leading = true
  for (let i = b[s] === MINUS ? s + 1 : s; i < e; i++) {
    const c = b[i]!
    if (c === 0x65 || c === 0x45) break
    if (c === DOT || (leading && c === ZERO)) continue
    leading = false
    count++
  }

  return count
}

function sameBytes(b: Uint8Array, s: number, e: number, name: Uint8Array): boolean {
  if (e - s !== name.length) return false
  for (let k = 0; k < name.length; k++) if (b[s + k] !== name[k]) return false

  return true
}

/** Whether the ASCII bytes `b[s..e)` equal the lower-cased `lower` when upper-case letters are folded. */
function sameBytesFolded(b: Uint8Array, s: number, e: number, lower: Uint8Array): boolean {
  if (e - s !== lower.length) return false
  for (let k = 0; k < lower.length; k++) {
    const c = b[s + k]!
    if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== lower[k]) return false
  }

  return true
}

const DECODER = new TextDecoder()

/** ASCII bytes as a string: short ones by character codes (cheaper than a call into Node's decoder). */
function ascii(b: Uint8Array, s: number, e: number): string {
  if (e - s > 24) return DECODER.decode(b.subarray(s, e))
  let out = ''
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]!)

  return out
}
