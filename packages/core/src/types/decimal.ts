import { FerrisError } from '../errors/ferris-error.js'

const BRAND = Symbol.for('ferris:decimal')

/** Rounding used when a decimal loses digits. SQL's CAST and ROUND use HALF_UP (away from zero on ties). */
export type RoundingMode = 'half_up' | 'half_even' | 'down' | 'floor' | 'ceiling'

/** Largest precision Ferris computes with; Parquet, Iceberg, ClickHouse and PostgreSQL all accept 38 at least. */
export const MAX_DECIMAL_PRECISION = 76

const TEN = 10n
const POW10: bigint[] = [1n]
function pow10(n: number): bigint {
  while (POW10.length <= n) POW10.push(POW10[POW10.length - 1]! * TEN)

  return POW10[n]!
}

/**
 * An exact decimal: `unscaled × 10^-scale`. Arithmetic never goes through floating point, so a
 * `DECIMAL(38, 9)` amount read from one system is written to another digit for digit.
 */
export class Decimal {
  readonly [BRAND] = true
  readonly unscaled: bigint
  readonly scale: number

  constructor(unscaled: bigint, scale: number) {
    if (!Number.isInteger(scale) || scale < 0 || scale > MAX_DECIMAL_PRECISION) {
      throw new FerrisError('FERRIS_TYPE_CONVERSION', `Decimal scale ${scale} is out of range`, {
        value: scale,
        expected: `an integer from 0 to ${MAX_DECIMAL_PRECISION}`,
      })
    }
    this.unscaled = unscaled
    this.scale = scale
  }

  static readonly ZERO = new Decimal(0n, 0)

  /** Parses `-12.345`, `1e-3`, `+7`, `.5`. Throws FERRIS_TYPE_CONVERSION with the text on anything else. */
  static parse(text: string): Decimal {
    const m = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text)
    if (m === null || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
      throw new FerrisError('FERRIS_TYPE_CONVERSION', `Cannot read ${JSON.stringify(text)} as a decimal number`, {
        value: text,
        expected: 'digits with an optional sign, decimal point and exponent, e.g. -1234.50 or 1.2e3',
      })
    }
    const sign = m[1] === '-' ? -1n : 1n
    const intPart = m[2] ?? ''
    const fracPart = m[3] ?? ''
    const exp = m[4] === undefined ? 0 : Number(m[4])
    let unscaled = BigInt(`${intPart}${fracPart}` || '0') * sign
    let scale = fracPart.length - exp
    if (scale < 0) {
      unscaled *= pow10(-scale)
      scale = 0
    }
    if (scale > MAX_DECIMAL_PRECISION) {
      throw new FerrisError(
        'FERRIS_TYPE_CONVERSION',
        `Decimal ${JSON.stringify(text)} has more than ${MAX_DECIMAL_PRECISION} fractional digits`,
        { value: text },
      )
    }

    return new Decimal(unscaled, scale)
  }

  /** Exact for every finite double: uses the shortest decimal text that round-trips (what JS prints). */
  static fromNumber(value: number): Decimal {
    if (!Number.isFinite(value)) {
      throw new FerrisError('FERRIS_TYPE_CONVERSION', `Cannot represent ${value} as a decimal`, {
        value: String(value),
      })
    }

    return Decimal.parse(String(value))
  }

  static fromBigInt(value: bigint): Decimal {
    return new Decimal(value, 0)
  }

  /** Number of significant digits of the unscaled value (at least 1). */
  precision(): number {
    const digits = (this.unscaled < 0n ? -this.unscaled : this.unscaled).toString().length

    return Math.max(digits, this.scale === 0 ? 1 : digits)
  }

  sign(): -1 | 0 | 1 {
    return this.unscaled === 0n ? 0 : this.unscaled < 0n ? -1 : 1
  }

  isZero(): boolean {
    return this.unscaled === 0n
  }

  /** The same value at another scale; losing digits rounds with `mode`. */
  rescale(scale: number, mode: RoundingMode = 'half_up'): Decimal {
    if (scale === this.scale) return this
    if (scale > this.scale) return new Decimal(this.unscaled * pow10(scale - this.scale), scale)

    return new Decimal(divideRounded(this.unscaled, pow10(this.scale - scale), mode), scale)
  }

  /** True when rescaling to `scale` keeps the value exactly. */
  fitsScale(scale: number): boolean {
    return scale >= this.scale || this.unscaled % pow10(this.scale - scale) === 0n
  }

  add(other: Decimal): Decimal {
    const s = Math.max(this.scale, other.scale)

    return new Decimal(this.rescale(s).unscaled + other.rescale(s).unscaled, s)
  }

  sub(other: Decimal): Decimal {
    const s = Math.max(this.scale, other.scale)

    return new Decimal(this.rescale(s).unscaled - other.rescale(s).unscaled, s)
  }

  mul(other: Decimal): Decimal {
    return new Decimal(this.unscaled * other.unscaled, this.scale + other.scale)
  }

  /**
   * Division to `scale` fractional digits (default: max(6, both scales), as PostgreSQL and Flink do for
   * numeric division). Throws FERRIS_DIVISION_BY_ZERO on a zero divisor.
   */
  div(other: Decimal, scale = Math.max(6, this.scale, other.scale), mode: RoundingMode = 'half_up'): Decimal {
    if (other.unscaled === 0n) {
      throw new FerrisError('FERRIS_DIVISION_BY_ZERO', `Division by zero: ${this.toString()} / ${other.toString()}`)
    }
    // (a / 10^sa) / (b / 10^sb) = (a * 10^(sb + scale - sa)) / b / 10^scale
    const shift = other.scale + scale - this.scale
    const num = shift >= 0 ? this.unscaled * pow10(shift) : this.unscaled
    const den = shift >= 0 ? other.unscaled : other.unscaled * pow10(-shift)

    return new Decimal(divideRounded(num, den, mode), scale)
  }

  /** Remainder with the sign of the dividend, as SQL's MOD. */
  mod(other: Decimal): Decimal {
    if (other.unscaled === 0n) {
      throw new FerrisError('FERRIS_DIVISION_BY_ZERO', `Division by zero: MOD(${this.toString()}, ${other.toString()})`)
    }
    const s = Math.max(this.scale, other.scale)

    return new Decimal(this.rescale(s).unscaled % other.rescale(s).unscaled, s)
  }

  neg(): Decimal {
    return new Decimal(-this.unscaled, this.scale)
  }

  abs(): Decimal {
    return this.unscaled < 0n ? this.neg() : this
  }

  compare(other: Decimal): -1 | 0 | 1 {
    const s = Math.max(this.scale, other.scale)
    const a = this.rescale(s).unscaled
    const b = other.rescale(s).unscaled

    return a < b ? -1 : a > b ? 1 : 0
  }

  equals(other: Decimal): boolean {
    return this.compare(other) === 0
  }

  /** Nearest double; lossy by nature, so callers that convert use this only when asked to. */
  toNumber(): number {
    return Number(this.toString())
  }

  /** Plain notation with exactly `scale` fractional digits: `-0.50`, `12`, `1000.000`. */
  toString(): string {
    const negative = this.unscaled < 0n
    let digits = (negative ? -this.unscaled : this.unscaled).toString()
    if (this.scale > 0) {
      digits = digits.padStart(this.scale + 1, '0')
      digits = `${digits.slice(0, -this.scale)}.${digits.slice(-this.scale)}`
    }

    return negative ? `-${digits}` : digits
  }

  toJSON(): string {
    return this.toString()
  }
}

/** `num / den` as an integer, rounded by `mode`. */
export function divideRounded(num: bigint, den: bigint, mode: RoundingMode): bigint {
  const q = num / den
  const r = num % den
  if (r === 0n) return q
  const negative = num < 0n !== den < 0n
  const away = negative ? q - 1n : q + 1n
  switch (mode) {
    case 'down':
      return q
    case 'floor':
      return negative ? away : q
    case 'ceiling':
      return negative ? q : away
    case 'half_up':
    case 'half_even': {
      const twice = (r < 0n ? -r : r) * 2n
      const d = den < 0n ? -den : den
      if (twice > d) return away
      if (twice < d) return q
      if (mode === 'half_up') return away

      return q % 2n === 0n ? q : away
    }
  }
}

export function isDecimal(value: unknown): value is Decimal {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
}
