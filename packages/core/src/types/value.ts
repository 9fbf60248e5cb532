import type { Decimal } from './decimal.js'
import type { Interval } from './interval.js'

/**
 * The JavaScript representation of each type. One representation per type, chosen for exactness first and
 * V8 speed second:
 *
 * | type        | value                                                                 |
 * |-------------|-----------------------------------------------------------------------|
 * | null        | `null` (any type may hold null)                                       |
 * | boolean     | `boolean`                                                             |
 * | int32       | `number` (an integer in range)                                        |
 * | int64       | `bigint`: exact beyond 2^53                                           |
 * | float64     | `number`                                                              |
 * | decimal     | `Decimal` (bigint unscaled value + scale)                             |
 * | string      | `string`                                                              |
 * | bytes       | `Uint8Array`                                                          |
 * | date        | `number`: days since 1970-01-01                                       |
 * | time        | `bigint`: nanoseconds since midnight                                  |
 * | timestamp   | `bigint`: nanoseconds since 1970-01-01T00:00:00Z (UTC), whatever the unit |
 * | interval    | `Interval`                                                            |
 * | list        | `Value[]`                                                             |
 * | map         | `Map<Value, Value>`                                                   |
 * | struct      | `{ [field]: Value }`                                                  |
 *
 * Timestamps are always nanoseconds so that operators never branch on a unit; the type's unit says how much
 * of that precision a column keeps and is applied when a value is converted into the column.
 */
export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Decimal
  | Interval
  | readonly Value[]
  | ReadonlyMap<Value, Value>
  | StructValue

export interface StructValue {
  readonly [field: string]: Value
}

export type Row = Value[]
