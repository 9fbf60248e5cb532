import { type DataType, FerrisError, Schema, T, typeToString } from '@ferris/core'
import avro from 'avsc'

/** Avro schemas as JSON (what the registry and `avro_schema` hold). */
export type AvroSchema = string | AvroSchemaObject | AvroSchema[]
export interface AvroSchemaObject {
  readonly type: AvroSchema
  readonly name?: string
  readonly namespace?: string
  readonly fields?: ReadonlyArray<{ readonly name: string; readonly type: AvroSchema; readonly default?: unknown }>
  readonly items?: AvroSchema
  readonly values?: AvroSchema
  readonly symbols?: readonly string[]
  readonly size?: number
  readonly logicalType?: string
  readonly precision?: number
  readonly scale?: number
  readonly [key: string]: unknown
}

/**
 * Avro longs as bigint: avsc reads them into doubles by default, which corrupts values beyond 2^53.
 * Every Avro type Ferris builds goes through this registry entry.
 */
const BigIntLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8)
    buf.writeBigInt64LE(n)
    return buf
  },
  fromJSON: (v: unknown) => BigInt(v as string | number),
  toJSON: (n: bigint) =>
    n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString(),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
})

/** Parses an Avro schema into an avsc type whose longs are bigints. Throws FERRIS_CONFIG_INVALID naming `subject`. */
export function avroType(schema: AvroSchema, subject: string): avro.Type {
  try {
    // Unions are always wrapped (`{ long: 5n }`): avsc picks an unwrapped union's branch by `typeof`, which
    // knows nothing of bigint. The value converters wrap and unwrap them.
    return avro.Type.forSchema(
      schema as avro.Schema,
      {
        wrapUnions: 'always',
        typeHook: (s: avro.Schema) =>
          s === 'long' || (typeof s === 'object' && !Array.isArray(s) && (s as { type?: unknown }).type === 'long')
            ? BigIntLong
            : undefined,
      } as never,
    )
  } catch (error) {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `${subject}: the Avro schema is invalid: ${(error as Error).message}`,
      {
        subject,
        expected: 'an Avro schema in JSON, e.g. {"type":"record","name":"r","fields":[...]}',
        cause: error,
      },
    )
  }
}

export function parseAvroSchemaText(text: string, subject: string): AvroSchema {
  try {
    return JSON.parse(text) as AvroSchema
  } catch (error) {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `${subject}: the Avro schema is not JSON: ${(error as Error).message}`,
      {
        subject,
        value: text.length > 200 ? `${text.slice(0, 200)}…` : text,
        expected: 'an Avro schema in JSON',
        cause: error,
      },
    )
  }
}

/**
 * The Avro record schema for rows of `schema`: nullable fields are `["null", T]` unions with a null default,
 * BIGINT is `long`, DECIMAL is `bytes` with the decimal logical type, TIMESTAMP is `long` with
 * `timestamp-millis`/`-micros`/`-nanos` after the column's unit (`local-timestamp-*` without a zone).
 */
export function avroSchemaFor(schema: Schema, name = 'record', subject = name): AvroSchemaObject {
  let counter = 0
  const nextName = (base: string) => `${base}_${++counter}`
  const typeFor = (t: DataType, path: string): AvroSchema => {
    switch (t.kind) {
      case 'boolean':
        return 'boolean'
      case 'int32':
        return 'int'
      case 'int64':
        return 'long'
      case 'float64':
        return 'double'
      case 'decimal':
        return { type: 'bytes', logicalType: 'decimal', precision: t.precision, scale: t.scale }
      case 'string':
        return 'string'
      case 'bytes':
        return 'bytes'
      case 'date':
        return { type: 'int', logicalType: 'date' }
      case 'time':
        return t.unit === 'ms'
          ? { type: 'int', logicalType: 'time-millis' }
          : { type: 'long', logicalType: 'time-micros' }
      case 'timestamp': {
        const unit = t.unit === 'ms' ? 'millis' : t.unit === 'us' ? 'micros' : 'nanos'
        return { type: 'long', logicalType: `${t.timezone === undefined ? 'local-timestamp' : 'timestamp'}-${unit}` }
      }
      case 'list':
        return { type: 'array', items: nullable(typeFor(t.element, `${path}[]`)) }
      case 'map':
        if (t.key.kind !== 'string') break
        return { type: 'map', values: nullable(typeFor(t.value, `${path}{}`)) }
      case 'struct':
        return {
          type: 'record',
          name: nextName(safeName(path)),
          fields: t.fields.map((f) => field(f.name, f.type, f.nullable, `${path}_${f.name}`)),
        }
      default:
        break
    }
    throw new FerrisError(
      'FERRIS_SCHEMA_MISMATCH',
      `${subject}: column "${path}" of type ${typeToString(t)} has no Avro form`,
      {
        subject: `${subject}.${path}`,
        value: typeToString(t),
        expected: 'a type Avro can hold (MAP keys must be STRING; INTERVAL and NULL have no Avro type)',
        hint: 'Cast the column in the SELECT, or give avro_schema explicitly',
      },
    )
  }
  const nullable = (t: AvroSchema): AvroSchema => ['null', t]
  const field = (fieldName: string, t: DataType, isNullable: boolean, path: string) => {
    const avroT = typeFor(t, path)
    return isNullable
      ? { name: safeName(fieldName), type: nullable(avroT), default: null }
      : { name: safeName(fieldName), type: avroT }
  }

  return {
    type: 'record',
    name: safeName(name),
    fields: schema.fields.map((f) => field(f.name, f.type, f.nullable, f.name)),
  }
}

/** Avro names are `[A-Za-z_][A-Za-z0-9_]*`. */
function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_')
  return /^[A-Za-z_]/.test(s) ? s : `_${s}`
}

/**
 * The Ferris schema of an Avro record schema (a registry's latest value schema, or `avro_schema`): the
 * reverse of `avroSchemaFor`. `["null", T]` unions make nullable fields; unions of several non-null types,
 * which have no column type, read as their JSON text in a STRING column.
 */
export function schemaFromAvro(schema: AvroSchema, subject: string): Schema {
  const names = new Map<string, AvroSchemaObject>()
  const typeOf = (s: AvroSchema, path: string): { type: DataType; nullable: boolean } => {
    if (Array.isArray(s)) {
      const branches = s.filter((b) => b !== 'null')
      const nullable = branches.length < s.length
      if (branches.length === 1) return { type: typeOf(branches[0]!, path).type, nullable }
      return { type: T.string, nullable: true }
    }
    if (typeof s === 'string') {
      const named = names.get(s)
      if (named !== undefined) return typeOf(named, path)
      return { type: primitive(s, path), nullable: false }
    }
    const o = s as AvroSchemaObject
    if (o.name !== undefined && ['record', 'enum', 'fixed'].includes(o.type as string)) names.set(o.name, o)
    const logical = o.logicalType
    if (logical === 'decimal' && (o.type === 'bytes' || o.type === 'fixed')) {
      return { type: T.decimal(o.precision ?? 38, o.scale ?? 0), nullable: false }
    }
    const ts = typeof logical === 'string' ? /^(local-)?timestamp-(millis|micros|nanos)$/.exec(logical) : null
    if (ts !== null) {
      const unit = ts[2] === 'millis' ? 'ms' : ts[2] === 'micros' ? 'us' : 'ns'
      return { type: ts[1] === undefined ? T.timestamp(unit, 'UTC') : T.timestamp(unit), nullable: false }
    }
    if (logical === 'date') return { type: T.date, nullable: false }
    if (logical === 'time-millis') return { type: T.time('ms'), nullable: false }
    if (logical === 'time-micros') return { type: T.time('us'), nullable: false }
    switch (o.type) {
      case 'record':
        return {
          type: T.struct((o.fields ?? []).map((f) => ({ name: f.name, ...typeOf(f.type, `${path}.${f.name}`) }))),
          nullable: false,
        }
      case 'array':
        return { type: T.list(typeOf(o.items!, `${path}[]`).type), nullable: false }
      case 'map':
        return { type: T.map(T.string, typeOf(o.values!, `${path}{}`).type), nullable: false }
      case 'enum':
        return { type: T.string, nullable: false }
      case 'fixed':
        return { type: T.bytes, nullable: false }
      default:
        return typeOf(o.type, path)
    }
  }
  const root = typeOf(schema, subject)
  if (root.type.kind !== 'struct') {
    return new Schema([{ name: 'value', type: root.type, nullable: root.nullable }])
  }

  return new Schema(root.type.fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable })))
}

function primitive(name: string, path: string): DataType {
  switch (name) {
    case 'boolean':
      return T.boolean
    case 'int':
      return T.int32
    case 'long':
      return T.int64
    case 'float':
    case 'double':
      return T.float64
    case 'bytes':
      return T.bytes
    case 'string':
      return T.string
    case 'null':
      return T.string
    default:
      throw new FerrisError(
        'FERRIS_SCHEMA_MISMATCH',
        `${path}: the Avro schema names the type "${name}", which it does not define`,
        {
          subject: path,
          value: name,
        },
      )
  }
}
