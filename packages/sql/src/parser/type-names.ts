import { type DataType, T, type TimeUnit, unitFromDigits } from '@ferris/core'

/**
 * SQL type names and their core types. Several spellings per type, so that statements written for
 * PostgreSQL, Flink or ksqlDB read the same.
 */
export const SIMPLE_TYPES: Readonly<Record<string, DataType>> = {
  BOOLEAN: T.boolean,
  BOOL: T.boolean,
  TINYINT: T.int32,
  SMALLINT: T.int32,
  INT: T.int32,
  INTEGER: T.int32,
  INT4: T.int32,
  INT32: T.int32,
  BIGINT: T.int64,
  INT8: T.int64,
  INT64: T.int64,
  LONG: T.int64,
  DOUBLE: T.float64,
  FLOAT: T.float64,
  FLOAT8: T.float64,
  FLOAT64: T.float64,
  REAL: T.float64,
  STRING: T.string,
  TEXT: T.string,
  VARCHAR: T.string,
  CHAR: T.string,
  CHARACTER: T.string,
  BYTES: T.bytes,
  BYTEA: T.bytes,
  BINARY: T.bytes,
  VARBINARY: T.bytes,
  BLOB: T.bytes,
  DATE: T.date,
  INTERVAL: T.interval,
}

/** Every name `CAST(x AS ...)` accepts, for suggestions. */
export const TYPE_NAMES: readonly string[] = [
  ...Object.keys(SIMPLE_TYPES),
  'DECIMAL',
  'NUMERIC',
  'TIME',
  'TIMESTAMP',
  'TIMESTAMPTZ',
]

/** DECIMAL without precision: the largest precision every sink accepts, and scale 0 as the SQL standard says. */
export const DEFAULT_DECIMAL_PRECISION = 38

export function timeUnitOf(digits: number | undefined, fallback: TimeUnit = 'us'): TimeUnit {
  return digits === undefined ? fallback : unitFromDigits(digits)
}
