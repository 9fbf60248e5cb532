import { type DataType, formatValue, isDecimal, type StructValue, type Value } from '@ferris/core'
import { isJsonNumberText, type JsonAny } from './exact-json.js'

/** JSON text of a parsed JSON value, long numbers written with all their digits. */
export function jsonText(v: JsonAny): string {
  if (v === null) return 'null'
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (isJsonNumberText(v)) return v.text
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`

  return `{${Object.entries(v)
    .map(([k, e]) => `${JSON.stringify(k)}:${jsonText(e)}`)
    .join(',')}}`
}

/**
 * JSON text of a value of `type`. BIGINT and DECIMAL are JSON numbers with their exact digits (never through
 * a double); NaN and the infinities, which JSON numbers cannot spell, are the strings "NaN", "Infinity" and
 * "-Infinity"; dates, times, timestamps and intervals are strings in their SQL text form; bytes are base64;
 * a MAP with STRING keys is an object, other maps an array of `[key, value]` pairs.
 */
export function valueToJson(value: Value, type: DataType): string {
  if (value === null) return 'null'
  switch (type.kind) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'int32':
    case 'float64':
      if (typeof value === 'number') return Number.isFinite(value) ? String(value) : JSON.stringify(String(value))
      break
    case 'int64':
      if (typeof value === 'bigint') return value.toString()
      break
    case 'decimal':
      if (isDecimal(value)) return value.toString()
      break
    case 'string':
      if (typeof value === 'string') return JSON.stringify(value)
      break
    case 'bytes':
      if (value instanceof Uint8Array)
        return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'))
      break
    case 'list':
      if (Array.isArray(value)) return `[${value.map((e: Value) => valueToJson(e, type.element)).join(',')}]`
      break
    case 'struct': {
      const s = value as StructValue
      return `{${type.fields.map((f) => `${JSON.stringify(f.name)}:${valueToJson(s[f.name] ?? null, f.type)}`).join(',')}}`
    }
    case 'map':
      if (value instanceof Map) {
        const entries = [...(value as ReadonlyMap<Value, Value>).entries()]
        if (type.key.kind === 'string') {
          return `{${entries.map(([k, e]) => `${JSON.stringify(String(k))}:${valueToJson(e, type.value)}`).join(',')}}`
        }
        return `[${entries.map(([k, e]) => `[${valueToJson(k, type.key)},${valueToJson(e, type.value)}]`).join(',')}]`
      }
      break
    case 'null':
      return 'null'
    default:
      return JSON.stringify(formatValue(value, type))
  }

  return untypedJson(value)
}

/** For a value that does not match its declared type: written by its own JavaScript type, still exactly. */
function untypedJson(value: Value): string {
  if (value === null) return 'null'
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : JSON.stringify(String(value))
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value)
  if (isDecimal(value)) return value.toString()
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'))
  if (Array.isArray(value)) return `[${value.map(untypedJson).join(',')}]`
  if (value instanceof Map)
    return `[${[...value.entries()].map(([k, v]) => `[${untypedJson(k)},${untypedJson(v)}]`).join(',')}]`

  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
}
