/**
 * The type system every part of Ferris shares. A value's JavaScript representation is fixed per type (see
 * `value.ts`), so a value read by one connector is understood by the engine and written by another without
 * guessing.
 */

export type TimeUnit = 'ms' | 'us' | 'ns'

export interface NullType {
  readonly kind: 'null'
}
export interface BooleanType {
  readonly kind: 'boolean'
}
export interface Int32Type {
  readonly kind: 'int32'
}
export interface Int64Type {
  readonly kind: 'int64'
}
export interface Float64Type {
  readonly kind: 'float64'
}
export interface DecimalType {
  readonly kind: 'decimal'
  readonly precision: number
  readonly scale: number
}
export interface StringType {
  readonly kind: 'string'
}
export interface BytesType {
  readonly kind: 'bytes'
}
/** Days since 1970-01-01. */
export interface DateType {
  readonly kind: 'date'
}
/** Time of day. */
export interface TimeType {
  readonly kind: 'time'
  readonly unit: TimeUnit
}
/**
 * An instant. `unit` is the precision the column keeps; `timezone` (an IANA name or `+hh:mm`) marks a
 * zoned timestamp (SQL's TIMESTAMP WITH TIME ZONE), absent for a local one (TIMESTAMP).
 */
export interface TimestampType {
  readonly kind: 'timestamp'
  readonly unit: TimeUnit
  readonly timezone?: string
}
export interface IntervalType {
  readonly kind: 'interval'
}
export interface ListType {
  readonly kind: 'list'
  readonly element: DataType
}
export interface MapType {
  readonly kind: 'map'
  readonly key: DataType
  readonly value: DataType
}
export interface StructType {
  readonly kind: 'struct'
  readonly fields: readonly StructField[]
}
export interface StructField {
  readonly name: string
  readonly type: DataType
  readonly nullable: boolean
}

export type DataType =
  | NullType
  | BooleanType
  | Int32Type
  | Int64Type
  | Float64Type
  | DecimalType
  | StringType
  | BytesType
  | DateType
  | TimeType
  | TimestampType
  | IntervalType
  | ListType
  | MapType
  | StructType

export type TypeKind = DataType['kind']

/** Constructors, so call sites read like SQL: `T.decimal(38, 9)`, `T.timestamp('us', 'UTC')`. */
export const T = {
  null: { kind: 'null' } as NullType,
  boolean: { kind: 'boolean' } as BooleanType,
  int32: { kind: 'int32' } as Int32Type,
  int64: { kind: 'int64' } as Int64Type,
  float64: { kind: 'float64' } as Float64Type,
  string: { kind: 'string' } as StringType,
  bytes: { kind: 'bytes' } as BytesType,
  date: { kind: 'date' } as DateType,
  interval: { kind: 'interval' } as IntervalType,
  decimal: (precision: number, scale: number): DecimalType => ({ kind: 'decimal', precision, scale }),
  time: (unit: TimeUnit = 'us'): TimeType => ({ kind: 'time', unit }),
  timestamp: (unit: TimeUnit = 'us', timezone?: string): TimestampType =>
    timezone === undefined ? { kind: 'timestamp', unit } : { kind: 'timestamp', unit, timezone },
  list: (element: DataType): ListType => ({ kind: 'list', element }),
  map: (key: DataType, value: DataType): MapType => ({ kind: 'map', key, value }),
  struct: (fields: readonly StructField[]): StructType => ({ kind: 'struct', fields }),
} as const

export function isNumericType(t: DataType): boolean {
  return t.kind === 'int32' || t.kind === 'int64' || t.kind === 'float64' || t.kind === 'decimal'
}

export function isIntegerType(t: DataType): boolean {
  return t.kind === 'int32' || t.kind === 'int64'
}

export function isTemporalType(t: DataType): boolean {
  return t.kind === 'date' || t.kind === 'time' || t.kind === 'timestamp'
}

/** Structural equality of two types. */
export function sameType(a: DataType, b: DataType): boolean {
  return typeToString(a) === typeToString(b)
}

/** The SQL spelling of a type, e.g. `DECIMAL(38, 9)`, `TIMESTAMP(6) WITH TIME ZONE 'UTC'`, `LIST<INT64>`. */
export function typeToString(t: DataType): string {
  switch (t.kind) {
    case 'null':
      return 'NULL'
    case 'boolean':
      return 'BOOLEAN'
    case 'int32':
      return 'INT'
    case 'int64':
      return 'BIGINT'
    case 'float64':
      return 'DOUBLE'
    case 'decimal':
      return `DECIMAL(${t.precision}, ${t.scale})`
    case 'string':
      return 'STRING'
    case 'bytes':
      return 'BYTES'
    case 'date':
      return 'DATE'
    case 'time':
      return `TIME(${UNIT_DIGITS[t.unit]})`
    case 'timestamp':
      return t.timezone === undefined
        ? `TIMESTAMP(${UNIT_DIGITS[t.unit]})`
        : `TIMESTAMP(${UNIT_DIGITS[t.unit]}) WITH TIME ZONE '${t.timezone}'`
    case 'interval':
      return 'INTERVAL'
    case 'list':
      return `LIST<${typeToString(t.element)}>`
    case 'map':
      return `MAP<${typeToString(t.key)}, ${typeToString(t.value)}>`
    case 'struct':
      return `STRUCT<${t.fields.map((f) => `${f.name} ${typeToString(f.type)}${f.nullable ? '' : ' NOT NULL'}`).join(', ')}>`
  }
}

/** Fractional-second digits of each unit, as SQL writes precision: TIMESTAMP(3), (6), (9). */
export const UNIT_DIGITS: Readonly<Record<TimeUnit, number>> = { ms: 3, us: 6, ns: 9 }

/** Nanoseconds in one unit. */
export const UNIT_NANOS: Readonly<Record<TimeUnit, bigint>> = { ms: 1_000_000n, us: 1_000n, ns: 1n }

export function unitFromDigits(digits: number): TimeUnit {
  return digits <= 3 ? 'ms' : digits <= 6 ? 'us' : 'ns'
}
