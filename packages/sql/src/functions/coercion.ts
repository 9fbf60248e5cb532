import {
  type DataType,
  Decimal,
  type DecimalType,
  MAX_DECIMAL_PRECISION,
  T,
  type TimeUnit,
  type Value,
} from '@ferris/core'
import { asDecimalType, DEFAULT_MAX_PRECISION } from './numeric/decimal-types.js'

/**
 * Implicit widening between types, used where SQL mixes operands: comparisons, BETWEEN, IN, CASE,
 * COALESCE, GREATEST/LEAST. Only lossless-by-design widenings happen implicitly (INT → BIGINT → DECIMAL →
 * DOUBLE, DATE → TIMESTAMP, coarser → finer timestamp unit); anything else needs an explicit CAST.
 */

const NUMERIC_RANK: Readonly<Record<string, number>> = { int32: 1, int64: 2, decimal: 3, float64: 4 }
const UNIT_RANK: Readonly<Record<TimeUnit, number>> = { ms: 0, us: 1, ns: 2 }

export function isNumericKind(t: DataType): boolean {
  return NUMERIC_RANK[t.kind] !== undefined
}

/** The common decimal of two decimals: enough integer and fractional digits for both. */
export function commonDecimal(a: DecimalType, b: DecimalType): DecimalType {
  const scale = Math.max(a.scale, b.scale)
  const integer = Math.max(a.precision - a.scale, b.precision - b.scale)
  const max =
    a.precision > DEFAULT_MAX_PRECISION || b.precision > DEFAULT_MAX_PRECISION
      ? MAX_DECIMAL_PRECISION
      : DEFAULT_MAX_PRECISION

  return T.decimal(Math.min(integer + scale, max), scale)
}

/** The type both `a` and `b` widen to, or undefined when they do not mix without a CAST. */
export function commonType(a: DataType, b: DataType): DataType | undefined {
  if (a.kind === 'null') return b
  if (b.kind === 'null') return a
  const ra = NUMERIC_RANK[a.kind]
  const rb = NUMERIC_RANK[b.kind]
  if (ra !== undefined && rb !== undefined) {
    if (a.kind === 'float64' || b.kind === 'float64') return T.float64
    if (a.kind === 'decimal' || b.kind === 'decimal') return commonDecimal(asDecimalType(a), asDecimalType(b))

    return ra >= rb ? a : b
  }
  if (a.kind === 'timestamp' && b.kind === 'timestamp') {
    const unit = UNIT_RANK[a.unit] >= UNIT_RANK[b.unit] ? a.unit : b.unit
    const zone = a.timezone ?? b.timezone

    return T.timestamp(unit, zone)
  }
  if (a.kind === 'timestamp' && b.kind === 'date') return a
  if (a.kind === 'date' && b.kind === 'timestamp') return b
  if (a.kind === 'time' && b.kind === 'time') return UNIT_RANK[a.unit] >= UNIT_RANK[b.unit] ? a : b
  if (
    a.kind === b.kind &&
    (a.kind === 'string' || a.kind === 'boolean' || a.kind === 'date' || a.kind === 'bytes' || a.kind === 'interval')
  ) {
    return a
  }

  return undefined
}

/** The common type of many (for CASE, COALESCE, IN lists), or undefined with the index that broke it. */
export function commonTypeOf(types: readonly DataType[]): { type: DataType } | { failedAt: number; so_far: DataType } {
  let acc: DataType = T.null
  for (let i = 0; i < types.length; i++) {
    const next = commonType(acc, types[i]!)
    if (next === undefined) return { failedAt: i, so_far: acc }
    acc = next
  }

  return { type: acc }
}

export type Coerce = (v: Value) => Value

const DAY_NANOS = 86_400_000_000_000n

/**
 * Converts a non-null value of `from` to `to` (which `commonType` produced), or undefined when the
 * representation does not change. DATE → TIMESTAMP is midnight UTC of that day, which is the wall-clock
 * midnight for a local timestamp.
 */
export function coercer(from: DataType, to: DataType): Coerce | undefined {
  if (from.kind === 'null' || from.kind === to.kind) {
    if (from.kind === 'decimal' && to.kind === 'decimal' && from.scale !== to.scale) {
      const scale = to.scale

      return (v) => (v as Decimal).rescale(scale)
    }

    return undefined
  }
  switch (to.kind) {
    case 'int64':
      if (from.kind === 'int32') return (v) => BigInt(v as number)
      break
    case 'decimal': {
      const scale = to.scale
      if (from.kind === 'int32') return (v) => new Decimal(BigInt(v as number), 0).rescale(scale)
      if (from.kind === 'int64') return (v) => new Decimal(v as bigint, 0).rescale(scale)
      break
    }
    case 'float64':
      if (from.kind === 'int32') return undefined
      if (from.kind === 'int64') return (v) => Number(v as bigint)
      if (from.kind === 'decimal') return (v) => (v as Decimal).toNumber()
      break
    case 'timestamp':
      if (from.kind === 'date') return (v) => BigInt(v as number) * DAY_NANOS
      break
  }

  return undefined
}
