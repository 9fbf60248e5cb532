import { type DataType, NANOS_PER_DAY, type TimeZone, type Value } from '@ferris/core'
import { argTypeError } from '../bind-support.js'
import { UTC, zoneOfType } from './zones.js'

/**
 * How a DATE or TIMESTAMP argument reads as a wall clock, decided once at bind time: a date is its
 * midnight, a local timestamp its own value, a zoned timestamp the wall clock in its zone ("in the value's
 * zone"). `zone` turns a wall clock back into a value of the argument's type.
 */
export interface TemporalInput {
  readonly kind: 'date' | 'timestamp'
  readonly zone: TimeZone
  /** Whether the timestamp type carries a zone. */
  readonly zoned: boolean
  readonly toLocal: (v: Value) => bigint
}

export function temporalInput(fn: string, index: number, t: DataType, signature: string): TemporalInput {
  if (t.kind === 'date') {
    return { kind: 'date', zone: UTC, zoned: false, toLocal: (v) => BigInt(v as number) * NANOS_PER_DAY }
  }
  if (t.kind === 'timestamp') {
    const zone = zoneOfType(t, fn)
    if (t.timezone === undefined) return { kind: 'timestamp', zone, zoned: false, toLocal: (v) => v as bigint }

    return { kind: 'timestamp', zone, zoned: true, toLocal: (v) => zone.toLocal(v as bigint) }
  }
  throw argTypeError(fn, index, t, 'a DATE or TIMESTAMP', signature)
}
