import {
  type DataType,
  Decimal,
  FerrisError,
  isDecimal,
  sameType,
  typeToString,
  UNIT_NANOS,
  type Value,
} from '@ferris/core'

/** Turns a value read from the file into the type the job asked for; throws FERRIS_TYPE_CONVERSION when it cannot. */
export type Coerce = (value: Value, row: number) => Value

const NANOS_PER_DAY = 86_400_000_000_000n

/**
 * How a column read as `from` becomes `to`, or `undefined` when no conversion is needed. Only widenings that
 * keep every value (or, for a coarser timestamp unit, keep what the asked unit can hold) are offered; any other
 * pair throws FERRIS_SCHEMA_MISMATCH before a row is read.
 */
export function coercion(from: DataType, to: DataType, column: string, file: string): Coerce | undefined {
  if (sameType(from, to)) return undefined
  const fail = (): never => {
    throw new FerrisError(
      'FERRIS_SCHEMA_MISMATCH',
      `Column ${column} of ${file} is ${typeToString(from)}, which cannot be read as ${typeToString(to)}`,
      {
        subject: column,
        value: typeToString(from),
        expected: typeToString(to),
        location: { file },
        hint: `declare ${column} as ${typeToString(from)} (or a wider type) in the source's schema`,
      },
    )
  }
  const overflow = (value: Value, row: number): never => {
    throw new FerrisError(
      'FERRIS_TYPE_CONVERSION',
      `Value of ${column} does not fit ${typeToString(to)}: ${String(value)} in row ${row} of ${file}`,
      {
        subject: column,
        value: String(value),
        expected: typeToString(to),
        location: { file, row },
        hint: `declare ${column} as ${typeToString(from)} (or a wider type) in the source's schema`,
      },
    )
  }
  switch (to.kind) {
    case 'int64':
      if (from.kind === 'int32') return (v) => (v === null ? null : BigInt(v as number))
      break
    case 'float64':
      if (from.kind === 'int32') return undefined
      if (from.kind === 'int64') return (v) => (v === null ? null : Number(v as bigint))
      if (from.kind === 'decimal') return (v) => (v === null ? null : (v as Decimal).toNumber())
      break
    case 'decimal': {
      if (from.kind !== 'int32' && from.kind !== 'int64' && from.kind !== 'decimal') break
      const limit = 10n ** BigInt(to.precision)

      return (v, row) => {
        if (v === null) return null
        const d = isDecimal(v) ? v : new Decimal(BigInt(v as number | bigint), 0)
        if (!d.fitsScale(to.scale)) return overflow(v, row)
        const r = d.rescale(to.scale)
        if (r.unscaled >= limit || -r.unscaled >= limit) return overflow(v, row)

        return r
      }
    }
    case 'timestamp': {
      const unit = UNIT_NANOS[to.unit]
      if (from.kind === 'date') return (v) => (v === null ? null : BigInt(v as number) * NANOS_PER_DAY)
      if (from.kind !== 'timestamp') break
      // Values are nanoseconds whatever the unit; a coarser unit keeps the instant's start (floor, as SQL's CAST).
      if (UNIT_NANOS[from.unit] >= unit) return undefined

      return (v) => (v === null ? null : floorTo(v as bigint, unit))
    }
    case 'time': {
      if (from.kind !== 'time') break
      const unit = UNIT_NANOS[to.unit]
      if (UNIT_NANOS[from.unit] >= unit) return undefined

      return (v) => (v === null ? null : floorTo(v as bigint, unit))
    }
    default:
      break
  }

  return fail()
}

export function floorTo(nanos: bigint, unit: bigint): bigint {
  const r = nanos % unit

  return r === 0n ? nanos : r < 0n ? nanos - r - unit : nanos - r
}
