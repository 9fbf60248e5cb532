import {
  createTextParser,
  type DataType,
  FerrisError,
  type StructValue,
  type TextParser,
  typeToString,
  type Value,
} from '@ferris/core'
import { isJsonNumberText, type JsonAny } from '../json/exact-json.js'
import { jsonText } from '../json/json-text.js'

// One text parser per type object: a decoder's schema keeps its types, so each column's is built once.
const PARSERS = new WeakMap<DataType, TextParser>()

function textParser(type: DataType): TextParser {
  let parse = PARSERS.get(type)
  if (parse === undefined) {
    parse = createTextParser(type)
    PARSERS.set(type, parse)
  }

  return parse
}

const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

/**
 * Converts a parsed JSON value to the representation of `type`. Numbers for BIGINT and DECIMAL keep every
 * digit (they arrive as `JsonNumberText` when a double would round them). Strings are parsed as the type's
 * text form (`"42"` for an INT, `"2024-01-01T00:00:00Z"` for a TIMESTAMP); objects and arrays become
 * STRUCT, MAP and LIST values, or their JSON text for a STRING column. `path` names the place in messages.
 */
export function jsonToValue(v: JsonAny | undefined, type: DataType, path: string): Value {
  if (v === null || v === undefined) return null
  switch (type.kind) {
    case 'string':
      return typeof v === 'string'
        ? v
        : typeof v === 'object' && !isJsonNumberText(v)
          ? stringify(v)
          : numberOrScalarText(v)
    case 'boolean':
      if (typeof v === 'boolean') return v
      break
    case 'int32':
      if (typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) return v
      break
    case 'int64':
      if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
      break
    case 'float64':
      if (typeof v === 'number') return v
      if (isJsonNumberText(v)) return Number(v.text)
      break
    case 'list':
      if (Array.isArray(v)) return v.map((e, i) => jsonToValue(e, type.element, `${path}[${i}]`))
      break
    case 'struct':
      if (isPlainObject(v)) {
        const out: Record<string, Value> = {}
        for (const f of type.fields) out[f.name] = jsonToValue(v[f.name], f.type, `${path}.${f.name}`)
        return out as StructValue
      }
      break
    case 'map':
      if (isPlainObject(v)) {
        const out = new Map<Value, Value>()
        for (const [k, e] of Object.entries(v)) {
          out.set(type.key.kind === 'string' ? k : textParser(type.key)(k), jsonToValue(e, type.value, `${path}.${k}`))
        }
        return out
      }
      break
    case 'bytes':
      if (typeof v === 'string') return new Uint8Array(Buffer.from(v, 'base64'))
      break
    default:
      break
  }
  // Scalars in text form: "42", "12.50", "2024-01-01", and numbers for the numeric types.
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || isJsonNumberText(v)) {
    if (type.kind === 'timestamp' && typeof v !== 'string') {
      throw conversionError(v, type, path, 'a timestamp as text, e.g. "2024-01-01T12:00:00Z"')
    }
    try {
      return textParser(type)(numberOrScalarText(v))
    } catch (error) {
      throw conversionError(v, type, path, undefined, error)
    }
  }

  throw conversionError(v, type, path)
}

function numberOrScalarText(v: JsonAny): string {
  if (isJsonNumberText(v)) return v.text
  if (typeof v === 'number') return String(v)

  return String(v)
}

function stringify(v: JsonAny): string {
  return jsonText(v)
}

function isPlainObject(v: JsonAny): v is { [key: string]: JsonAny } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isJsonNumberText(v)
}

function conversionError(v: JsonAny, type: DataType, path: string, expected?: string, cause?: unknown): FerrisError {
  const shown = jsonText(v)
  const detail = cause instanceof Error ? `: ${cause.message}` : ''

  return new FerrisError(
    'FERRIS_TYPE_CONVERSION',
    `Field "${path}" holds ${shown.length > 80 ? `${shown.slice(0, 80)}…` : shown}, which is not a ${typeToString(type)}${detail}`,
    { subject: path, value: shown, expected: expected ?? `a JSON value convertible to ${typeToString(type)}`, cause },
  )
}
