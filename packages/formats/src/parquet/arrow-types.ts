import { type DataType, FerrisError, type Field, Schema, T, type TimeUnit } from '@ferris/core'
import * as arrow from 'apache-arrow'

/**
 * Core types to Arrow types and back. Parquet itself is read and written by parquet-wasm (the Rust `parquet`
 * crate), which maps Parquet's physical and logical types to Arrow; this file maps Arrow to Ferris. The
 * README's "Parquet" section lists the whole mapping.
 */

const ARROW_UNIT: Readonly<Record<TimeUnit, arrow.TimeUnit>> = {
  ms: arrow.TimeUnit.MILLISECOND,
  us: arrow.TimeUnit.MICROSECOND,
  ns: arrow.TimeUnit.NANOSECOND,
}

/** Parquet's unsigned 64-bit integers do not fit a signed int64; DECIMAL(20, 0) holds every one exactly. */
export const UINT64_AS_DECIMAL = T.decimal(20, 0)

/** Where a type sits, for messages: `orders.items[].price`. */
function at(path: string, source: string): string {
  return `${path} in ${source}`
}

/** The Arrow type parquet-wasm writes for a core type. Throws FERRIS_UNSUPPORTED for types Parquet cannot hold. */
export function toArrowType(type: DataType, path: string): arrow.DataType {
  switch (type.kind) {
    case 'null':
      return new arrow.Null()
    case 'boolean':
      return new arrow.Bool()
    case 'int32':
      return new arrow.Int32()
    case 'int64':
      return new arrow.Int64()
    case 'float64':
      return new arrow.Float64()
    case 'decimal':
      if (type.precision < 1 || type.scale > type.precision || type.precision > 76) {
        throw new FerrisError(
          'FERRIS_UNSUPPORTED',
          `Column ${path} has type DECIMAL(${type.precision}, ${type.scale})`,
          {
            subject: path,
            value: `DECIMAL(${type.precision}, ${type.scale})`,
            expected: 'a precision from 1 to 76 and a scale from 0 to the precision',
          },
        )
      }
      // Up to 38 digits fit Arrow's 128-bit decimal, which every Parquet reader understands; wider ones use 256 bits.
      return new arrow.Decimal(type.scale, type.precision, type.precision <= 38 ? 128 : 256)
    case 'string':
      return new arrow.Utf8()
    case 'bytes':
      return new arrow.Binary()
    case 'date':
      return new arrow.DateDay()
    case 'time':
      return type.unit === 'ms' ? new arrow.TimeMillisecond() : new arrow.Time(ARROW_UNIT[type.unit], 64)
    case 'timestamp':
      // A zoned timestamp is stored as UTC instants with `isAdjustedToUTC = true`; Arrow's schema (kept in the
      // file's metadata) remembers the zone name, so it comes back as written.
      return new arrow.Timestamp(ARROW_UNIT[type.unit], type.timezone ?? null)
    case 'interval':
      // Limitation: Parquet's INTERVAL keeps milliseconds in 12 bytes and the Rust writer refuses Arrow's
      // month-day-nano intervals, so Ferris intervals cannot be stored without loss.
      throw new FerrisError(
        'FERRIS_UNSUPPORTED',
        `Column ${path} has type INTERVAL, which Parquet cannot store exactly`,
        {
          subject: path,
          value: 'INTERVAL',
          hint: 'cast it to a string or to a BIGINT number of nanoseconds before writing Parquet',
        },
      )
    case 'list':
      return new arrow.List(new arrow.Field('element', toArrowType(type.element, `${path}[]`), true))
    case 'map': {
      const entries = new arrow.Struct([
        new arrow.Field('key', toArrowType(type.key, `${path}.key`), false),
        new arrow.Field('value', toArrowType(type.value, `${path}.value`), true),
      ])

      return new arrow.Map_(new arrow.Field('key_value', entries, false), false)
    }
    case 'struct':
      return new arrow.Struct(
        type.fields.map((f) => new arrow.Field(f.name, toArrowType(f.type, `${path}.${f.name}`), f.nullable)),
      )
  }
}

export function toArrowSchema(schema: Schema): arrow.Schema {
  return new arrow.Schema(schema.fields.map((f) => new arrow.Field(f.name, toArrowType(f.type, f.name), f.nullable)))
}

/** Time units Arrow may hold that Ferris does not: seconds are kept at millisecond precision (exact). */
function fromArrowUnit(unit: arrow.TimeUnit): TimeUnit {
  switch (unit) {
    case arrow.TimeUnit.SECOND:
    case arrow.TimeUnit.MILLISECOND:
      return 'ms'
    case arrow.TimeUnit.MICROSECOND:
      return 'us'
    case arrow.TimeUnit.NANOSECOND:
      return 'ns'
  }
}

/** Arrow spells UTC several ways; Ferris spells it one way so that types compare equal. */
function normalizeTimezone(tz: string | null | undefined): string | undefined {
  if (tz === null || tz === undefined || tz === '') return undefined
  if (tz === '+00:00' || tz === 'Z' || tz === 'Etc/UTC' || tz === 'utc') return 'UTC'

  return tz
}

/** The core type of an Arrow type read from a Parquet file. */
export function fromArrowType(type: arrow.DataType, path: string, source: string): DataType {
  switch (type.typeId) {
    case arrow.Type.Null:
      return T.null
    case arrow.Type.Bool:
      return T.boolean
    case arrow.Type.Int: {
      const t = type as arrow.Int
      if (t.bitWidth < 32 || (t.bitWidth === 32 && t.isSigned)) return T.int32
      if (t.bitWidth === 32 || t.isSigned) return T.int64

      return UINT64_AS_DECIMAL
    }
    case arrow.Type.Float:
      return T.float64
    case arrow.Type.Decimal: {
      const t = type as arrow.Decimal

      return T.decimal(t.precision, t.scale)
    }
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8:
      return T.string
    case arrow.Type.Binary:
    case arrow.Type.LargeBinary:
    case arrow.Type.FixedSizeBinary:
      return T.bytes
    case arrow.Type.Date:
      return T.date
    case arrow.Type.Time:
      return T.time(fromArrowUnit((type as arrow.Time).unit))
    case arrow.Type.Timestamp: {
      const t = type as arrow.Timestamp

      return T.timestamp(fromArrowUnit(t.unit), normalizeTimezone(t.timezone))
    }
    case arrow.Type.List:
    case arrow.Type.LargeList:
    case arrow.Type.FixedSizeList: {
      const child = (type as arrow.List).children[0]!

      return T.list(fromArrowType(child.type, `${path}[]`, source))
    }
    case arrow.Type.Struct:
      return T.struct(
        (type as arrow.Struct).children.map((f) => ({
          name: f.name,
          type: fromArrowType(f.type, `${path}.${f.name}`, source),
          nullable: f.nullable,
        })),
      )
    case arrow.Type.Map: {
      const t = type as arrow.Map_

      return T.map(fromArrowType(t.keyType, `${path}.key`, source), fromArrowType(t.valueType, `${path}.value`, source))
    }
    case arrow.Type.Dictionary:
      return fromArrowType((type as arrow.Dictionary).dictionary, path, source)
    default:
      // Limitation: intervals, durations, unions and view types have no reader here yet.
      throw new FerrisError(
        'FERRIS_UNSUPPORTED',
        `Column ${at(path, source)} has Arrow type ${String(type)}, which Ferris cannot read`,
        {
          subject: path,
          value: String(type),
          expected:
            'booleans, integers, floats, decimals, strings, binary, dates, times, timestamps, lists, structs or maps',
          hint: 'rewrite the file with that column cast to a supported type, e.g. a string',
        },
      )
  }
}

export function fromArrowSchema(schema: arrow.Schema, source: string): Schema {
  const fields: Field[] = schema.fields.map((f) => ({
    name: f.name,
    type: fromArrowType(f.type, f.name, source),
    nullable: f.nullable,
  }))

  return new Schema(fields)
}
