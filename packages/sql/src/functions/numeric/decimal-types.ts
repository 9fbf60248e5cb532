import {
  type DataType,
  Decimal,
  type DecimalType,
  FerrisError,
  MAX_DECIMAL_PRECISION,
  T,
  typeToString,
} from '@ferris/core'

/**
 * Result types of decimal arithmetic, following Flink's `LogicalTypeMerging` (itself SQL Server's rules):
 * the declared precision is capped at 38 (what Parquet, Iceberg, ClickHouse and most sinks hold), and when
 * the exact result would need more, fractional digits are given up first, keeping at least 6 of them.
 * Operands already wider than 38 digits keep core's maximum instead.
 */
export const DEFAULT_MAX_PRECISION = 38
const MIN_ADJUSTED_SCALE = 6

/** The decimal an integer type widens to: INT → DECIMAL(10, 0), BIGINT → DECIMAL(19, 0). */
export function asDecimalType(t: DataType): DecimalType {
  if (t.kind === 'decimal') return t
  if (t.kind === 'int32') return T.decimal(10, 0)
  if (t.kind === 'int64') return T.decimal(19, 0)
  if (t.kind === 'null') return T.decimal(1, 0)
  throw new FerrisError('FERRIS_INTERNAL', `asDecimalType called with ${typeToString(t)}`)
}

function cap(a: DecimalType, b: DecimalType): number {
  return a.precision > DEFAULT_MAX_PRECISION || b.precision > DEFAULT_MAX_PRECISION
    ? MAX_DECIMAL_PRECISION
    : DEFAULT_MAX_PRECISION
}

function adjust(precision: number, scale: number, max: number): DecimalType {
  if (precision <= max) return T.decimal(precision, scale)
  const integerDigits = precision - scale
  const minScale = Math.min(scale, MIN_ADJUSTED_SCALE)

  return T.decimal(max, Math.max(max - integerDigits, minScale))
}

export function additionType(a: DecimalType, b: DecimalType): DecimalType {
  const scale = Math.max(a.scale, b.scale)

  return adjust(Math.max(a.precision - a.scale, b.precision - b.scale) + scale + 1, scale, cap(a, b))
}

export function multiplicationType(a: DecimalType, b: DecimalType): DecimalType {
  return adjust(a.precision + b.precision, a.scale + b.scale, cap(a, b))
}

export function divisionType(a: DecimalType, b: DecimalType): DecimalType {
  const scale = Math.max(MIN_ADJUSTED_SCALE, a.scale + b.precision + 1)

  return adjust(a.precision - a.scale + b.scale + scale, scale, cap(a, b))
}

export function moduloType(a: DecimalType, b: DecimalType): DecimalType {
  const scale = Math.max(a.scale, b.scale)

  return adjust(Math.min(a.precision - a.scale, b.precision - b.scale) + scale, scale, cap(a, b))
}

const POW10: bigint[] = [1n]
export function pow10(n: number): bigint {
  while (POW10.length <= n) POW10.push(POW10[POW10.length - 1]! * 10n)

  return POW10[n]!
}

/**
 * A checker for results of `type`: returns the value at the type's scale (rounding half away from zero
 * when digits are dropped) or throws FERRIS_ARITHMETIC_OVERFLOW when it needs more integer digits.
 */
export function decimalFitter(type: DecimalType): (d: Decimal, describe: () => string) => Decimal {
  const limit = pow10(type.precision)
  const scale = type.scale
  const name = typeToString(type)

  return (d, describe) => {
    const r = d.scale === scale ? d : d.rescale(scale, 'half_up')
    const u = r.unscaled
    if (u >= limit || -u >= limit) {
      throw new FerrisError(
        'FERRIS_ARITHMETIC_OVERFLOW',
        `Arithmetic overflow: ${describe()} does not fit in ${name}`,
        {
          value: r.toString(),
          expected: `at most ${type.precision - type.scale} integer digits`,
          hint: 'CAST the operands to a DECIMAL with more precision, or to DOUBLE',
        },
      )
    }

    return r
  }
}

/** Exact comparison of two decimals without allocating Decimal objects. */
export function compareDecimals(a: Decimal, b: Decimal): number {
  if (a.scale === b.scale) return a.unscaled < b.unscaled ? -1 : a.unscaled > b.unscaled ? 1 : 0
  const x = a.scale < b.scale ? a.unscaled * pow10(b.scale - a.scale) : a.unscaled
  const y = b.scale < a.scale ? b.unscaled * pow10(a.scale - b.scale) : b.unscaled

  return x < y ? -1 : x > y ? 1 : 0
}

/** Exact comparison of a decimal with an integer (int32 number or int64 bigint). */
export function compareDecimalInt(a: Decimal, b: bigint | number): number {
  const y = (typeof b === 'bigint' ? b : BigInt(b)) * pow10(a.scale)

  return a.unscaled < y ? -1 : a.unscaled > y ? 1 : 0
}

/**
 * Compares a decimal with a double. The double is read as the shortest decimal that prints as it (what
 * JavaScript and PostgreSQL print), so `0.1` (DOUBLE) equals `0.1` (DECIMAL) while big integers stay exact.
 */
export function compareDecimalFloat(a: Decimal, b: number): number {
  if (Number.isNaN(b)) return -1
  if (b === Number.POSITIVE_INFINITY) return -1
  if (b === Number.NEGATIVE_INFINITY) return 1

  return compareDecimals(a, Decimal.fromNumber(b))
}
