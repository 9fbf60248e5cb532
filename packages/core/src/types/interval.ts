const BRAND = Symbol.for('ferris:interval')

/**
 * A span of time as SQL defines it: months and days are kept apart from the exact part because their length
 * depends on the calendar (a month is 28 to 31 days, a day 23 to 25 hours across a DST change).
 */
export class Interval {
  readonly [BRAND] = true
  readonly months: number
  readonly days: number
  readonly nanos: bigint

  constructor(months: number, days: number, nanos: bigint) {
    this.months = months
    this.days = days
    this.nanos = nanos
  }

  static ofNanos(nanos: bigint): Interval {
    return new Interval(0, 0, nanos)
  }

  static ofMillis(ms: number): Interval {
    return new Interval(0, 0, BigInt(ms) * 1_000_000n)
  }

  /** The exact length in nanoseconds, when the interval has no month part (days count as 24 hours). */
  fixedNanos(): bigint | undefined {
    return this.months === 0 ? BigInt(this.days) * 86_400_000_000_000n + this.nanos : undefined
  }

  add(other: Interval): Interval {
    return new Interval(this.months + other.months, this.days + other.days, this.nanos + other.nanos)
  }

  neg(): Interval {
    return new Interval(-this.months, -this.days, -this.nanos)
  }

  equals(other: Interval): boolean {
    return this.months === other.months && this.days === other.days && this.nanos === other.nanos
  }

  /** ISO 8601 duration, e.g. `P1M2DT3.5S`. */
  toString(): string {
    const parts: string[] = ['P']
    if (this.months !== 0) parts.push(`${this.months}M`)
    if (this.days !== 0) parts.push(`${this.days}D`)
    if (this.nanos !== 0n) {
      const negative = this.nanos < 0n
      const abs = negative ? -this.nanos : this.nanos
      const secs = abs / 1_000_000_000n
      const frac = (abs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '')
      parts.push(`T${negative ? '-' : ''}${secs}${frac === '' ? '' : `.${frac}`}S`)
    }

    return parts.length === 1 ? 'PT0S' : parts.join('')
  }

  toJSON(): string {
    return this.toString()
  }
}

export function isInterval(value: unknown): value is Interval {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
}
