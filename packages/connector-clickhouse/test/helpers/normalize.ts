import { isDecimal, isInterval, type Row, type Value } from '@ferris/core'

/** A value in a form `toEqual` compares exactly: decimals by digits and scale, bytes as hex, maps as entries. */
export function normalize(row: Row): unknown[] {
  return row.map(norm)
}

function norm(v: Value): unknown {
  if (isDecimal(v)) return `decimal ${v.toString()}`
  if (isInterval(v)) return `interval ${String(v)}`
  if (v instanceof Uint8Array) return `bytes ${Buffer.from(v).toString('hex')}`
  if (typeof v === 'bigint') return `bigint ${v}`
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN'
  if (v instanceof Map) return ['map', ...[...v.entries()].map(([k, x]) => [norm(k), norm(x)])]
  if (Array.isArray(v)) return v.map(norm)
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, Value>).map(([k, x]) => [k, norm(x)]))
  }

  return v
}
