import { type DataType, FerrisError, type Field, type Schema, T, typeToString, unitFromDigits } from '@ferris/core'
import { FEATURE_SINCE, type ServerFeatures, type ServerVersion } from '../server-version.js'
import { quoteIdentifier, quoteString } from '../sql/quote.js'
import { baseType, type ClickhouseType, literalArg, parseClickhouseType, tupleElement } from './clickhouse-type.js'

export interface MappingOptions {
  /** STRING columns declared LowCardinality(String). */
  readonly lowCardinality: readonly string[]
  /** TIMESTAMP columns on a server without DateTime64. */
  readonly timestampFallback: 'fail' | 'datetime' | 'int64'
}

/**
 * The ClickHouse type a created table gives a field. Current servers get the exact types (DateTime64 with
 * precision and zone, Map, Date32, Bool, named Tuple); an old server gets the nearest type that keeps
 * values exact, or a FERRIS_UNSUPPORTED error naming the column and the version it needs.
 */
export function clickhouseColumnType(field: Field, server: ServerVersion, options: MappingOptions): string {
  const where = `column ${field.name}`
  let text = typeFor(field.type, server.features, options, where, server.text)
  if (options.lowCardinality.includes(field.name)) {
    if (field.type.kind !== 'string') {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `low_cardinality names ${field.name}, which is ${typeToString(field.type)}, not STRING`,
        { subject: 'low_cardinality', value: field.name, expected: 'names of STRING columns' },
      )
    }
    requireFeature(server, 'lowCardinality', where, 'LowCardinality(String)', 'leave it out of low_cardinality')
    text = field.nullable ? 'LowCardinality(Nullable(String))' : 'LowCardinality(String)'

    return text
  }

  return field.nullable ? `Nullable(${text})` : text
}

function typeFor(
  type: DataType,
  f: ServerFeatures,
  options: MappingOptions,
  where: string,
  version: string,
  nested = false,
): string {
  const server = { text: version, features: f }
  switch (type.kind) {
    case 'boolean':
      return f.bool ? 'Bool' : 'UInt8'
    case 'int32':
      return 'Int32'
    case 'int64':
      return 'Int64'
    case 'float64':
      return 'Float64'
    case 'decimal':
      if (type.precision > 76) throw unsupportedType(type, where, 'ClickHouse decimals hold at most 76 digits')

      return `Decimal(${type.precision}, ${type.scale})`
    case 'string':
    case 'bytes':
      return 'String'
    // Limitation: TIME and INTERVAL have no ClickHouse type on the servers we support; they are stored as
    // their canonical ISO 8601 text (fixed-width for TIME, so the text sorts as the time does).
    case 'time':
    case 'interval':
      return 'String'
    case 'date':
      return f.date32 ? 'Date32' : 'Date'
    case 'timestamp': {
      const zone = quoteString(type.timezone ?? 'UTC')
      const digits = type.unit === 'ms' ? 3 : type.unit === 'us' ? 6 : 9
      if (f.dateTime64) return `DateTime64(${digits}, ${zone})`
      if (options.timestampFallback === 'datetime' && !nested) return `DateTime(${zone})`
      if (options.timestampFallback === 'int64') return 'Int64'
      throw new FerrisError(
        'FERRIS_UNSUPPORTED',
        `${where} is ${typeToString(type)}, which needs DateTime64 (ClickHouse ${FEATURE_SINCE.dateTime64} or later); the server is ${version}`,
        {
          subject: where,
          value: version,
          expected: `ClickHouse ${FEATURE_SINCE.dateTime64} or later`,
          hint:
            "Upgrade the server, or set timestamp_fallback = 'datetime' (whole seconds; finer values become bad records) " +
            "or 'int64' (epoch count in the column's unit)",
        },
      )
    }
    case 'list':
      return `Array(${nestedType(type.element, true, f, options, `${where}[]`, version)})`
    case 'map': {
      requireFeature(server, 'map', where, typeToString(type), 'store the map as JSON text (CAST to STRING)')
      const key = typeFor(type.key, f, options, `${where} key`, version, true)

      return `Map(${key}, ${nestedType(type.value, true, f, options, `${where} value`, version)})`
    }
    case 'struct': {
      const parts = type.fields.map((sf) => {
        const inner = nestedType(sf.type, sf.nullable, f, options, `${where}.${sf.name}`, version)

        return f.namedTuples ? `${quoteIdentifier(sf.name)} ${inner}` : inner
      })

      return `Tuple(${parts.join(', ')})`
    }
    case 'null':
      throw unsupportedType(type, where, 'ClickHouse has no column type that holds only NULL')
  }
}

/** Element types: Nullable where ClickHouse allows it (not around Array, Map or Tuple). */
function nestedType(
  type: DataType,
  nullable: boolean,
  f: ServerFeatures,
  options: MappingOptions,
  where: string,
  version: string,
): string {
  const text = typeFor(type, f, options, where, version, true)
  const container = type.kind === 'list' || type.kind === 'map' || type.kind === 'struct'

  // Limitation: ClickHouse cannot make an Array, Map or Tuple Nullable; a null one is written as empty.
  return nullable && !container ? `Nullable(${text})` : text
}

function requireFeature(
  server: { text: string; features: ServerFeatures },
  feature: keyof ServerFeatures,
  where: string,
  what: string,
  instead: string,
): void {
  if (server.features[feature]) return
  throw new FerrisError(
    'FERRIS_UNSUPPORTED',
    `${where} needs ${what}, which ClickHouse has from ${FEATURE_SINCE[feature]} on; the server is ${server.text}`,
    {
      subject: where,
      value: server.text,
      expected: `ClickHouse ${FEATURE_SINCE[feature]} or later`,
      hint: `Upgrade the server, or ${instead}`,
    },
  )
}

function unsupportedType(type: DataType, where: string, why: string): FerrisError {
  return new FerrisError('FERRIS_UNSUPPORTED', `${where} is ${typeToString(type)}: ${why}`, {
    subject: where,
    value: typeToString(type),
    hint: 'CAST the column to a type ClickHouse holds',
  })
}

/** The CREATE TABLE statement for a schema. */
export function createTableSql(
  qualified: string,
  schema: Schema,
  server: ServerVersion,
  options: MappingOptions & { engine: string; orderBy: readonly string[]; hiddenColumns?: readonly string[] },
): string {
  if (schema.length === 0) {
    throw new FerrisError('FERRIS_SCHEMA_MISMATCH', `Cannot create ${qualified} without columns`, {
      subject: qualified,
    })
  }
  const columns = schema.fields.map((f) => `  ${quoteIdentifier(f.name)} ${clickhouseColumnType(f, server, options)}`)
  for (const hidden of options.hiddenColumns ?? []) columns.push(`  ${hidden}`)
  for (const key of options.orderBy) {
    if (schema.indexOf(key, true) < 0) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `order_by names ${key}, which is not a column of the query`, {
        subject: 'order_by',
        value: key,
        expected: `columns of ${schema.names.join(', ')}`,
      })
    }
  }
  const orderBy = options.orderBy.length === 0 ? 'tuple()' : `(${options.orderBy.map(quoteIdentifier).join(', ')})`
  const mergeTree = /MergeTree/.test(options.engine)
  const engine = /\(/.test(options.engine) ? options.engine : `${options.engine}${mergeTree ? '' : '()'}`
  // A plain MergeTree forgets inserted blocks unless told to remember some; the dedup tokens need it.
  const window =
    mergeTree && !options.engine.startsWith('Replicated') && server.features.nonReplicatedDedup
      ? ' SETTINGS non_replicated_deduplication_window = 1000'
      : ''

  return `CREATE TABLE IF NOT EXISTS ${qualified} (\n${columns.join(',\n')}\n) ENGINE = ${engine}${mergeTree ? ` ORDER BY ${orderBy}` : ''}${window}`
}

/** The core type of a ClickHouse column, for schema discovery and checking a table against a query. */
export function coreTypeOf(type: ClickhouseType): { type: DataType; nullable: boolean } {
  const { base, nullable } = baseType(type)

  return { type: coreBase(base), nullable }
}

function coreBase(t: ClickhouseType): DataType {
  switch (t.name) {
    case 'Bool':
    case 'Boolean':
      return T.boolean
    case 'Int8':
    case 'Int16':
    case 'Int32':
    case 'UInt8':
    case 'UInt16':
      return T.int32
    case 'UInt32':
    case 'Int64':
      return T.int64
    case 'UInt64':
      return T.decimal(20, 0)
    case 'Int128':
    case 'UInt128':
      return T.decimal(39, 0)
    case 'Int256':
      return T.decimal(76, 0)
    case 'Float32':
    case 'Float64':
      return T.float64
    case 'Decimal':
      return T.decimal(Number(t.args[0]), Number(t.args[1] ?? 0))
    case 'Decimal32':
      return T.decimal(9, Number(t.args[0]))
    case 'Decimal64':
      return T.decimal(18, Number(t.args[0]))
    case 'Decimal128':
      return T.decimal(38, Number(t.args[0]))
    case 'Decimal256':
      return T.decimal(76, Number(t.args[0]))
    case 'Date':
    case 'Date32':
      return T.date
    case 'DateTime': {
      const zone = literalArg(t.args[0])

      return T.timestamp('ms', zone ?? 'UTC')
    }
    case 'DateTime64':
      return T.timestamp(unitFromDigits(Number(t.args[0])), literalArg(t.args[1]) ?? 'UTC')
    case 'Array':
      return T.list(coreBase(baseType(parseClickhouseType(t.args[0]!)).base))
    case 'Map':
      return T.map(coreBase(parseClickhouseType(t.args[0]!)), coreTypeOf(parseClickhouseType(t.args[1]!)).type)
    case 'Tuple':
      return T.struct(
        t.args.map((arg, i) => {
          const el = tupleElement(arg)
          const inner = coreTypeOf(el.type)

          return { name: el.name ?? `${i + 1}`, type: inner.type, nullable: inner.nullable }
        }),
      )
    case 'Nullable':
    case 'LowCardinality':
      return coreTypeOf(t).type
    default:
      // String, FixedString, Enum8/16, UUID, IPv4/6 and anything newer read as text.
      return T.string
  }
}
