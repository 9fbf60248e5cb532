import type {
  ConnectorContext,
  DataReader,
  DataSource,
  DataType,
  Field,
  ReaderOptions,
  Schema,
  SourceCapabilities,
} from '@ferris/core'
import { FerrisError, Schema as SchemaClass } from '@ferris/core'
import { classifyError } from '../classify-error.js'
import type { ClickhouseConnection } from '../client/connection.js'
import type { ClickhouseOptions } from '../options.js'
import { parseServerVersion, type ServerVersion } from '../server-version.js'
import { type ConnectionFactory, defaultConnectionFactory } from '../sink/clickhouse-sink.js'
import { qualifiedName, quoteIdentifier } from '../sql/quote.js'
import { readTableInfo, type TableInfo } from '../table-info.js'
import { baseType } from '../types/clickhouse-type.js'
import { coreTypeOf } from '../types/type-mapping.js'
import { ClickhouseReader } from './clickhouse-reader.js'

/**
 * A ClickHouse table, or the result of a query, read once as a stream (a bounded source). The position is
 * the number of rows handed over; a resumed reader skips that many with OFFSET, which is exact when the
 * rows come in a fixed order (`order_by`, or an ORDER BY in the query).
 */
export class ClickhouseSource implements DataSource {
  readonly capabilities: SourceCapabilities = {
    bounded: true,
    seek: true,
    commit: false,
    schemaDiscovery: true,
    timestamps: false,
  }
  readonly #options: ClickhouseOptions
  readonly #context: ConnectorContext
  readonly #factory: ConnectionFactory
  #connection: ClickhouseConnection | undefined
  #server: ServerVersion | undefined
  #table: TableInfo | undefined

  constructor(
    options: ClickhouseOptions,
    context: ConnectorContext,
    factory: ConnectionFactory = defaultConnectionFactory,
  ) {
    const hasTable = options.table !== undefined && options.table !== ''
    const hasQuery = options.query !== undefined && options.query.trim() !== ''
    if (hasTable === hasQuery) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `${context.name}: a ClickHouse source reads either a table or a query, ${hasTable ? 'got both' : 'got neither'}`,
        { subject: context.name, hint: `Set exactly one of '${context.name}.table' and '${context.name}.query'` },
      )
    }
    this.#options = options
    this.#context = context
    this.#factory = factory
  }

  async open(): Promise<void> {
    const connection = this.#connection ?? this.#factory(this.#options)
    this.#connection = connection
    try {
      const rows = await connection.rows('SELECT version() AS v')
      this.#server = parseServerVersion(String(rows[0]?.v ?? ''))
    } catch (error) {
      throw classifyError(error, `connecting to ${this.#options.url}`, this.#context.name)
    }
    if (this.#options.table !== undefined) {
      this.#table = await readTableInfo(connection, this.#options.database, this.#options.table)
      if (this.#table === undefined) {
        throw new FerrisError(
          'FERRIS_NOT_FOUND',
          `ClickHouse table ${this.#options.database}.${this.#options.table} does not exist`,
          { subject: this.#context.name, value: `${this.#options.database}.${this.#options.table}` },
        )
      }
    }
  }

  async discoverSchema(): Promise<Schema | undefined> {
    if (this.#table === undefined) return undefined

    return new SchemaClass(
      this.#table.columns.map((c) => {
        const { type, nullable } = coreTypeOf(c.type)

        return { name: c.name, type, nullable, metadata: { 'clickhouse.type': c.type.text } }
      }),
    )
  }

  async createReader(options: ReaderOptions): Promise<DataReader> {
    if (this.#connection === undefined || this.#server === undefined) {
      throw new FerrisError('FERRIS_INTERNAL', `ClickHouse source ${this.#context.name} is used before open()`)
    }
    const reader = new ClickhouseReader({
      connection: this.#connection,
      context: this.#context,
      schema: options.schema,
      batchSize: this.#options.batch_size ?? options.batchSize,
      sql: this.#selectSql(options.schema),
      // NaN and infinities print as null unless asked. 64-bit integers are read exactly quoted or not (the
      // lines are parsed with exact numbers); quoting them keeps the stream valid for any JSON reader.
      // Decimals need no setting for the same reason, and 18.16 does not know output_format_json_quote_decimals.
      settings: { output_format_json_quote_denormals: 1, output_format_json_quote_64bit_integers: 1 },
      zones: options.schema.fields.map((f) => this.#zonesOf(f)),
    })
    if (options.from !== undefined) await reader.seek(options.from)

    return reader
  }

  #zonesOf(field: Field): { top: string; nested: string } {
    const declared = declaredZone(field.type) ?? 'UTC'
    const column = this.#table?.columns.find((c) => c.name === field.name)
    if (column === undefined) return { top: declared, nested: declared }
    // Limitation: nested DateTime values print in their column's zone; the first zone in the type is used.
    const nested = /DateTime(?:64)?\((?:\d+,\s*)?'((?:[^'\\]|\\.)*)'/.exec(column.type.text)?.[1] ?? declared

    return { top: 'UTC', nested }
  }

  /**
   * The SELECT: for a table, the schema's columns, with top-level DateTime columns moved to UTC so their wall
   * clock text is never ambiguous; for a query, the query as given, wrapped so OFFSET can be added.
   */
  #selectSql(schema: Schema): string {
    if (this.#table === undefined) return `SELECT * FROM (${this.#options.query!.trim().replace(/;\s*$/, '')})`
    const table = this.#table
    const items = schema.fields.map((f) => {
      const column = table.columns.find((c) => c.name === f.name)
      if (column === undefined) {
        throw new FerrisError(
          'FERRIS_SCHEMA_MISMATCH',
          `Column ${f.name} is not in ClickHouse table ${this.#options.database}.${this.#options.table}`,
          {
            subject: `${this.#context.name}.${f.name}`,
            value: f.name,
            expected: table.columns.map((c) => c.name).join(', '),
          },
        )
      }
      const name = quoteIdentifier(f.name)
      const base = baseType(column.type).base.name

      return base === 'DateTime' || base === 'DateTime64' ? `toTimeZone(${name}, 'UTC') AS ${name}` : name
    })
    const orderBy = this.#options.order_by ?? []
    const order = orderBy.length === 0 ? '' : ` ORDER BY ${orderBy.map(quoteIdentifier).join(', ')}`

    return `SELECT ${items.join(', ')} FROM ${qualifiedName(this.#options.database, this.#options.table!)}${order}`
  }

  async close(): Promise<void> {
    const connection = this.#connection
    this.#connection = undefined
    await connection?.close()
  }
}

/** The zone of the first timestamp in a type, as declared by the reader schema. */
function declaredZone(type: DataType): string | undefined {
  switch (type.kind) {
    case 'timestamp':
      return type.timezone
    case 'list':
      return declaredZone(type.element)
    case 'map':
      return declaredZone(type.value)
    case 'struct':
      for (const f of type.fields) {
        const z = declaredZone(f.type)
        if (z !== undefined) return z
      }

      return undefined
    default:
      return undefined
  }
}
