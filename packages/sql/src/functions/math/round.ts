import { Decimal, type DecimalType, FerrisError, T, type Value } from '@ferris/core'
import { argTypeError, bound, checkArity, isIntegerArg, toSafeInt } from '../bind-support.js'
import { defineFunction } from '../define.js'
import type { BoundFunction } from '../function-definition.js'
import { DEFAULT_MAX_PRECISION, pow10 } from '../numeric/decimal-types.js'
import { INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, overflowError } from '../numeric/integers.js'

const SIGNATURE = 'ROUND(x NUMBER [, digits INT]) → the type of x'

/** Rounds a double half away from zero at `digits`, through its shortest decimal text (2.675 → 2.68). */
export function roundDouble(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x
  if (digits === 0) return x < 0 ? -Math.round(-x) : Math.round(x)
  if (Math.abs(digits) > 300) return digits > 0 ? x : 0
  const d = Decimal.fromNumber(x)
  if (digits >= d.scale) return x
  if (digits >= 0) return d.rescale(digits, 'half_up').toNumber()
  const factor = pow10(-digits)
  const whole = d.rescale(0, 'half_up').unscaled
  const q = roundBigInt(whole, factor)

  return Number(q)
}

/** `n` rounded half away from zero to a multiple of `factor`. */
function roundBigInt(n: bigint, factor: bigint): bigint {
  const r = n % factor
  if (r === 0n) return n
  const down = n - r
  const twice = (r < 0n ? -r : r) * 2n
  if (twice < factor) return down

  return n < 0n ? down - factor : down + factor
}

/** A decimal rounded half away from zero to `digits` (negative: tens, hundreds...), then stored at `scale`. */
export function roundDecimal(d: Decimal, digits: number, scale: number): Decimal {
  if (digits >= d.scale) return d.rescale(scale)

  return new Decimal(roundBigInt(d.unscaled, pow10(d.scale - digits)), d.scale).rescale(scale)
}

function roundInteger(kind: 'int32' | 'int64', v: Value, digits: number): Value {
  if (digits >= 0) return v
  if (kind === 'int32') {
    const r = digits < -10 ? 0n : roundBigInt(BigInt(v as number), pow10(-digits))
    if (r > BigInt(INT32_MAX) || r < BigInt(INT32_MIN)) throw overflowError(`ROUND(${v}, ${digits})`, 'INT')

    return Number(r)
  }
  const r = digits < -19 ? 0n : roundBigInt(v as bigint, pow10(-digits))
  if (r > INT64_MAX || r < INT64_MIN) throw overflowError(`ROUND(${v}, ${digits})`, 'BIGINT')

  return r
}

/**
 * ROUND(x [, digits]): half away from zero (ROUND(2.5) = 3, ROUND(-2.5) = -3), exact on DECIMAL and on
 * integers; `digits` may be negative (ROUND(1250, -2) = 1300). A constant `digits` narrows a DECIMAL's scale
 * to it, as PostgreSQL prints `round(1.2345, 2)` as 1.23.
 */
export const round = defineFunction({
  name: 'ROUND',
  signature: SIGNATURE,
  bind(argTypes, literals): BoundFunction {
    checkArity('ROUND', SIGNATURE, argTypes, 1, 2)
    const t = argTypes[0]!
    if (argTypes.length === 2 && !isIntegerArg(argTypes[1]!))
      throw argTypeError('ROUND', 1, argTypes[1]!, 'an integer number of digits', SIGNATURE)
    const constDigits = argTypes.length === 1 ? 0 : literals[1]
    const digitsOf =
      argTypes.length === 1
        ? () => 0
        : typeof constDigits === 'number' || typeof constDigits === 'bigint'
          ? (
              (n: number) => () =>
                n
            )(toSafeInt(constDigits))
          : (args: readonly Value[]) => toSafeInt(args[1]!)
    switch (t.kind) {
      case 'null':
        return bound(T.int32, () => null)
      case 'int32':
      case 'int64': {
        const kind = t.kind

        return bound(t, (args) => roundInteger(kind, args[0]!, digitsOf(args)))
      }
      case 'float64':
        return bound(t, (args) => roundDouble(args[0] as number, digitsOf(args)))
      case 'decimal': {
        const type = roundedDecimalType(
          t,
          typeof constDigits === 'number' || typeof constDigits === 'bigint' ? toSafeInt(constDigits) : undefined,
        )
        const scale = type.scale
        const limit = pow10(type.precision)

        return bound(type, (args) => {
          const r = roundDecimal(args[0] as Decimal, digitsOf(args), scale)
          if (r.unscaled >= limit || -r.unscaled >= limit) {
            throw new FerrisError(
              'FERRIS_ARITHMETIC_OVERFLOW',
              `ROUND(${args[0]}) does not fit in DECIMAL(${type.precision}, ${scale})`,
            )
          }

          return r
        })
      }
      default:
        throw argTypeError('ROUND', 0, t, 'a number (INT, BIGINT, DECIMAL or DOUBLE)', SIGNATURE)
    }
  },
})

/** DECIMAL(p, s) rounded to a known `digits` keeps min(s, digits) fractional digits and gains one integer digit for the carry. */
function roundedDecimalType(t: DecimalType, digits: number | undefined): DecimalType {
  // Digits from a column: keep the scale, with room for the carry (ROUND(999.5, -3) = 1000.0).
  if (digits === undefined)
    return T.decimal(Math.min(t.precision + 1, Math.max(t.precision, DEFAULT_MAX_PRECISION)), t.scale)
  const scale = Math.max(0, Math.min(t.scale, digits))
  if (scale === t.scale) return t
  const precision = Math.min(Math.max(t.precision, DEFAULT_MAX_PRECISION), t.precision - t.scale + scale + 1)

  return T.decimal(Math.max(1, precision), scale)
}
