import { type DataType, FerrisError, MAX_DECIMAL_PRECISION, T, type TimeUnit, typeToString } from '@ferris/core'

/** Built-in type OIDs (pg_type.oid); stable across PostgreSQL versions. */
export const OID = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  xml: 142,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const

/** Array type OID → element type OID. */
export const ARRAY_ELEMENT: ReadonlyMap<number, number> = new Map([
  [1000, OID.bool],
  [1001, OID.bytea],
  [1002, OID.char],
  [1003, OID.name],
  [1005, OID.int2],
  [1007, OID.int4],
  [1016, OID.int8],
  [1009, OID.text],
  [1028, OID.oid],
  [199, OID.json],
  [1021, OID.float4],
  [1022, OID.float8],
  [1014, OID.bpchar],
  [1015, OID.varchar],
  [1182, OID.date],
  [1183, OID.time],
  [1115, OID.timestamp],
  [1185, OID.timestamptz],
  [1187, OID.interval],
  [1231, OID.numeric],
  [2951, OID.uuid],
  [3807, OID.jsonb],
])

/**
 * Precision and scale of an unconstrained `numeric` column. PostgreSQL does not bound it; Ferris needs a
 * scale, so this is a wide default and a value with more fractional digits is reported as a bad record
 * rather than rounded (see Known limitations).
 */
export const UNCONSTRAINED_NUMERIC = T.decimal(MAX_DECIMAL_PRECISION, 32)

function timeUnitOf(typmod: number): TimeUnit {
  // typmod = fractional digits (0-6), -1 when unconstrained (6). PostgreSQL keeps microseconds at most.
  return typmod >= 0 && typmod <= 3 ? 'ms' : 'us'
}

/** The Ferris type of a PostgreSQL column from its type OID and modifier, or undefined when unknown. */
export function ferrisTypeOf(oid: number, typmod: number): DataType | undefined {
  const element = ARRAY_ELEMENT.get(oid)
  if (element !== undefined) {
    const inner = ferrisTypeOf(element, typmod)

    return inner === undefined ? undefined : T.list(inner)
  }
  switch (oid) {
    case OID.bool:
      return T.boolean
    case OID.int2:
    case OID.int4:
      return T.int32
    case OID.int8:
    case OID.oid:
      return T.int64
    case OID.float4:
    case OID.float8:
      return T.float64
    case OID.numeric: {
      if (typmod < 4) return UNCONSTRAINED_NUMERIC
      const mod = typmod - 4
      const precision = (mod >> 16) & 0xffff
      // PostgreSQL 15 allows a negative scale (stored as 11 bits, sign-extended): such values are integers.
      let scale = mod & 0x7ff
      if (scale > 1023) scale -= 2048

      return T.decimal(precision, Math.max(0, scale))
    }
    case OID.text:
    case OID.varchar:
    case OID.bpchar:
    case OID.char:
    case OID.name:
    case OID.uuid:
    case OID.json:
    case OID.jsonb:
    case OID.xml:
    case OID.interval:
    case OID.timetz:
      return T.string
    case OID.bytea:
      return T.bytes
    case OID.date:
      return T.date
    case OID.time:
      return T.time(timeUnitOf(typmod))
    case OID.timestamp:
      return T.timestamp(timeUnitOf(typmod))
    case OID.timestamptz:
      return T.timestamp(timeUnitOf(typmod), 'UTC')
    default:
      return undefined
  }
}

/**
 * The column type `create_table` declares for a Ferris type. Nanosecond timestamps become `timestamp(6)`:
 * PostgreSQL keeps microseconds, and a value with finer digits is refused when written, not truncated.
 */
export function ddlTypeOf(type: DataType, subject: string): string {
  switch (type.kind) {
    case 'boolean':
      return 'boolean'
    case 'int32':
      return 'integer'
    case 'int64':
      return 'bigint'
    case 'float64':
      return 'double precision'
    case 'decimal':
      if (type.precision > 1000) throw unsupportedType(type, subject)

      return `numeric(${type.precision}, ${type.scale})`
    case 'string':
      return 'text'
    case 'bytes':
      return 'bytea'
    case 'date':
      return 'date'
    case 'time':
      return `time(${type.unit === 'ms' ? 3 : 6})`
    case 'timestamp':
      return type.timezone === undefined
        ? `timestamp(${type.unit === 'ms' ? 3 : 6})`
        : `timestamptz(${type.unit === 'ms' ? 3 : 6})`
    case 'interval':
      return 'interval'
    case 'list': {
      // PostgreSQL arrays are not nested types: int[][] is one multi-dimensional array type, so a list of
      // lists maps to the same column type as a list.
      let element: DataType = type.element
      while (element.kind === 'list') element = element.element

      return `${ddlTypeOf(element, subject)}[]`
    }
    case 'struct':
    case 'map':
      return 'jsonb'
    case 'null':
      return 'text'
  }
}

function unsupportedType(type: DataType, subject: string): FerrisError {
  return new FerrisError(
    'FERRIS_SCHEMA_MISMATCH',
    `${subject}: PostgreSQL has no column type for ${typeToString(type)}`,
    {
      subject,
      value: typeToString(type),
      expected: 'a type listed in the type mapping of the PostgreSQL connector README',
    },
  )
}

/**
 * Whether values of `type` can be written into a column with this pg_type name (`format_type` without the
 * modifier, e.g. `numeric`, `timestamp with time zone`, `integer[]`). Decimal precision and timestamp
 * precision are checked by the server per value; here only the kind of column is compared.
 */
export function columnAccepts(type: DataType, pgType: string): boolean {
  const base = pgType.replace(/\(.*?\)/g, '').trim()
  if (type.kind === 'list') return base.endsWith('[]') || base === 'jsonb' || base === 'json'
  if (base.endsWith('[]')) return false
  const text = ['text', 'character varying', 'character', 'name', 'citext', 'uuid', 'json', 'jsonb', 'xml']
  switch (type.kind) {
    case 'boolean':
      return base === 'boolean'
    case 'int32':
      return ['integer', 'bigint', 'numeric', 'double precision', 'real', 'smallint'].includes(base)
    case 'int64':
      return ['bigint', 'numeric'].includes(base)
    case 'float64':
      return ['double precision', 'numeric', 'real'].includes(base)
    case 'decimal':
      return base === 'numeric'
    case 'string':
      return text.includes(base) || base === 'interval' || base.startsWith('time')
    case 'bytes':
      return base === 'bytea'
    case 'date':
      return base === 'date' || base.startsWith('timestamp')
    case 'time':
      return base === 'time without time zone'
    case 'timestamp':
      return type.timezone === undefined ? base === 'timestamp without time zone' : base === 'timestamp with time zone'
    case 'interval':
      return base === 'interval'
    case 'struct':
    case 'map':
      return base === 'jsonb' || base === 'json'
    case 'null':
      return true
  }
}
