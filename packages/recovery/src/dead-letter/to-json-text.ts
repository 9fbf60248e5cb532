import { isDecimal, isInterval, type Value } from '@ferris/core'

/**
 * JSON text of values with every type kept exact: bigint and Decimal as decimal strings (JSON numbers would
 * round beyond 2^53), bytes as base64, maps as arrays of pairs (keys need not be strings), intervals as ISO
 * 8601 durations.
 */
export function toJsonText(value: unknown): string {
  return JSON.stringify(toJsonValue(value, 0))
}

const MAX_DEPTH = 64

function toJsonValue(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return '[nested too deep]'
  if (value === null || value === undefined) return null
  switch (typeof value) {
    case 'bigint':
      return value.toString()
    case 'number':
      // NaN and infinities are not JSON numbers; keep them readable instead of turning them into null.
      return Number.isFinite(value) ? value : String(value)
    case 'string':
    case 'boolean':
      return value
    case 'object':
      break
    default:
      return String(value)
  }
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
  if (isDecimal(value) || isInterval(value)) return value.toString()
  if (Array.isArray(value)) return value.map((v) => toJsonValue(v, depth + 1))
  if (value instanceof Map) return [...value].map(([k, v]) => [toJsonValue(k, depth + 1), toJsonValue(v, depth + 1)])
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value as Record<string, Value>)) out[k] = toJsonValue(v, depth + 1)

  return out
}
