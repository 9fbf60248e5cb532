import {
  type ConnectorContext,
  type DataSink,
  type DataWriter,
  FerrisError,
  type Schema,
  type SinkCapabilities,
  type WriterOptions,
} from '@ferris/core'
import type pg from 'pg'
import type { PostgresOptions } from '../options.js'
import { classifyError } from '../sql/classify-error.js'
import { connectClient, requireOption } from '../sql/connect.js'
import { qualifiedName, quoteIdent } from '../sql/identifiers.js'
import { ddlTypeOf } from '../types/pg-types.js'
import { PositionsTable } from './positions-table.js'
import { PostgresWriter } from './postgres-writer.js'
import { tableColumns } from './table-columns.js'
import { validateTable } from './validate-table.js'

/** A PostgreSQL table as a sink: inserts, or upserts and deletes by key, one transaction per commit. */
export class PostgresSink implements DataSink {
  readonly capabilities: SinkCapabilities
  readonly #options: PostgresOptions
  readonly #context: ConnectorContext
  readonly #table: string
  readonly #schemaName: string
  readonly #label: string
  #client: pg.Client | undefined

  constructor(options: PostgresOptions, context: ConnectorContext) {
    this.#options = options
    this.#context = context
    this.#table = requireOption(options.table, 'table', context.name, 'for a PostgreSQL sink')
    this.#schemaName = options.schema
    this.#label = qualifiedName(this.#schemaName, this.#table)
    const keyed = (options.key?.length ?? 0) > 0
    this.capabilities = {
      transactions: true,
      upsert: true,
      // Upserts by key land on the same rows when replayed; plain inserts are idempotent only through the
      // positions stored with them.
      idempotent: keyed || options.exactly_once,
      storesPositions: options.exactly_once,
    }
  }

  async open(): Promise<void> {
    this.#client ??= await connectClient(this.#options, this.#context.name)
    if (!this.#options.create_table) {
      const columns = await this.#columns()
      if (columns === undefined) throw this.#missingTable()
    }
  }

  async validateSchema(schema: Schema): Promise<void> {
    const columns = await this.#columns()
    if (columns === undefined) {
      if (this.#options.create_table) {
        // Fails early on a type PostgreSQL has no column for.
        for (const f of schema.fields) ddlTypeOf(f.type, `${this.#context.name}.${f.name}`)

        return
      }
      throw this.#missingTable()
    }
    validateTable(schema, columns, this.#label, this.#context.name)
    this.#checkKey(schema)
  }

  async createWriter(options: WriterOptions): Promise<DataWriter> {
    const schema = options.schema
    const client = await connectClient(this.#options, this.#context.name)
    try {
      const key = this.#key(schema)
      this.#checkKey(schema, key)
      if (this.#options.create_table) await this.#createTable(client, schema, key)
      const columns = await tableColumns(client, this.#schemaName, this.#table)
      if (columns === undefined) throw this.#missingTable()
      validateTable(schema, columns, this.#label, this.#context.name)
      let positions: PositionsTable | undefined
      if (this.#options.exactly_once) {
        positions = new PositionsTable(qualifiedName(this.#schemaName, this.#options.positions_table))
        await positions.create(client)
      }

      return new PostgresWriter(
        {
          options: this.#options,
          context: this.#context,
          schema,
          jobId: options.jobId,
          table: this.#label,
          tableLabel: this.#label,
          key,
          positions,
        },
        client,
      )
    } catch (error) {
      await client.end().catch(() => {})
      throw classifyError(error, this.#context.name, `preparing ${this.#label}`)
    }
  }

  async close(): Promise<void> {
    const client = this.#client
    this.#client = undefined
    await client?.end().catch(() => {})
  }

  // -------------------------------------------------------------------------------------------------------

  async #columns() {
    this.#client ??= await connectClient(this.#options, this.#context.name)
    try {
      return await tableColumns(this.#client, this.#schemaName, this.#table)
    } catch (error) {
      throw classifyError(error, this.#context.name, `reading the columns of ${this.#label}`)
    }
  }

  /** The key: the `key` option, else nothing (the batch key fields are used per batch only when given here). */
  #key(schema: Schema): string[] {
    return [...(this.#options.key ?? [])].map((k) => {
      const i = schema.indexOf(k, true)

      return i < 0 ? k : schema.fields[i]!.name
    })
  }

  #checkKey(schema: Schema, key = this.#key(schema)): void {
    for (const k of key) {
      if (schema.indexOf(k, true) < 0) {
        throw new FerrisError(
          'FERRIS_CONFIG_INVALID',
          `${this.#context.name}: key column "${k}" is not a field of the query`,
          {
            subject: `${this.#context.name}.key`,
            value: k,
            expected: `one of ${schema.names.map((n) => `"${n}"`).join(', ')}`,
          },
        )
      }
    }
  }

  async #createTable(client: pg.Client, schema: Schema, key: readonly string[]): Promise<void> {
    const columns = schema.fields.map(
      (f) =>
        `${quoteIdent(f.name)} ${ddlTypeOf(f.type, `${this.#context.name}.${f.name}`)}${f.nullable && !key.includes(f.name) ? '' : ' NOT NULL'}`,
    )
    if (key.length > 0) columns.push(`PRIMARY KEY (${key.map(quoteIdent).join(', ')})`)
    await client.query(`CREATE TABLE IF NOT EXISTS ${this.#label} (${columns.join(', ')})`)
    this.#context.logger.log('info', 'created table', { table: this.#label })
  }

  #missingTable(): FerrisError {
    return new FerrisError('FERRIS_NOT_FOUND', `${this.#context.name}: table ${this.#label} does not exist`, {
      subject: `${this.#context.name}.table`,
      value: this.#label,
      hint: 'Create it, or set create_table=true to create it from the query schema',
    })
  }
}
