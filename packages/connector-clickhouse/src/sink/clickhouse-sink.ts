import type { ConnectorContext, DataSink, DataWriter, Schema, SinkCapabilities, WriterOptions } from '@ferris/core'
import { FerrisError } from '@ferris/core'
import { classifyError } from '../classify-error.js'
import { type ClickhouseConnection, createConnection } from '../client/connection.js'
import type { ClickhouseOptions } from '../options.js'
import { FEATURE_SINCE, parseServerVersion, type ServerVersion } from '../server-version.js'
import { qualifiedName } from '../sql/quote.js'
import { readTableInfo, type TableInfo } from '../table-info.js'
import { rowEncoder } from '../types/encode.js'
import { createTableSql } from '../types/type-mapping.js'
import { ClickhouseWriter } from './clickhouse-writer.js'
import { CommitLedger, checkMarkedTable, MARKER_COLUMNS_DDL } from './commit-ledger.js'

export type ConnectionFactory = (options: ClickhouseOptions) => ClickhouseConnection

export const defaultConnectionFactory: ConnectionFactory = (options) =>
  createConnection({
    url: options.url,
    username: options.username,
    ...(options.password === undefined ? {} : { password: options.password }),
    database: options.database,
    requestTimeout: options.request_timeout,
    compression: options.compression,
  })

/**
 * A ClickHouse table as a sink. `open` asks the server its version and looks the table up; `validateSchema`
 * creates the table when asked and checks every column the query writes; writers insert JSONEachRow blocks
 * with de-duplication tokens where the server honours them.
 */
export class ClickhouseSink implements DataSink {
  readonly #options: ClickhouseOptions
  readonly #context: ConnectorContext
  readonly #factory: ConnectionFactory
  #connection: ClickhouseConnection | undefined
  #server: ServerVersion | undefined
  #table: TableInfo | undefined
  #idempotent = false

  constructor(
    options: ClickhouseOptions,
    context: ConnectorContext,
    factory: ConnectionFactory = defaultConnectionFactory,
  ) {
    if (options.table === undefined || options.table === '') {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `${context.name}.table: a ClickHouse sink needs a table`, {
        subject: `${context.name}.table`,
        hint: `Add ?table=<name> to the connection string or '${context.name}.table' = '<name>' to the WITH clause`,
      })
    }
    if (options.query !== undefined) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `${context.name}.query: only a ClickHouse source reads a query`, {
        subject: `${context.name}.query`,
        hint: 'Remove the query option from the sink',
      })
    }
    this.#options = options
    this.#context = context
    this.#factory = factory
  }

  /**
   * Known after `open`: idempotent when the server honours `insert_deduplication_token` (22.2 or later) and the
   * table remembers inserted blocks (a Replicated engine, or non_replicated_deduplication_window > 0).
   */
  get capabilities(): SinkCapabilities {
    const marked = this.#marked
    return { transactions: false, upsert: false, idempotent: this.#idempotent || marked, storesPositions: marked }
  }

  /**
   * `exactly_once` on a server without dedup tokens: rows carry hidden marker columns and commits go to a
   * ledger. From 22.2 on, `exactly_once` keeps the token path, which needs no change to the table.
   */
  get #marked(): boolean {
    return this.#options.exactly_once && this.#server !== undefined && !this.#server.features.dedupToken
  }

  /** The server version found by `open`. */
  get server(): ServerVersion | undefined {
    return this.#server
  }

  get #name(): string {
    return `${this.#options.database}.${this.#options.table!}`
  }

  async open(): Promise<void> {
    const connection = this.#connection ?? this.#factory(this.#options)
    this.#connection = connection
    let version: string
    try {
      const rows = await connection.rows('SELECT version() AS v')
      version = String(rows[0]?.v ?? '')
    } catch (error) {
      throw classifyError(error, `connecting to ${this.#options.url}`, this.#context.name)
    }
    this.#server = parseServerVersion(version)
    this.#table = await readTableInfo(connection, this.#options.database, this.#options.table!)
    if (this.#table === undefined && !this.#options.create_table) {
      throw new FerrisError('FERRIS_NOT_FOUND', `ClickHouse table ${this.#name} does not exist`, {
        subject: this.#context.name,
        value: this.#name,
        hint: `Create it, or set '${this.#context.name}.create_table' = 'true' to create it from the query's columns`,
      })
    }
    this.#updateIdempotence()
    if (this.#marked && this.#table !== undefined) checkMarkedTable(this.#table, this.#name, this.#context.name)
  }

  #updateIdempotence(): void {
    const server = this.#server!
    const table = this.#table
    const remembers =
      table !== undefined &&
      (table.engine.startsWith('Replicated') ||
        /non_replicated_deduplication_window\s*=\s*[1-9]/.test(table.engineFull))
    this.#idempotent = server.features.dedupToken && remembers
    if (!this.#idempotent && table !== undefined && !this.#marked) {
      const why = !server.features.dedupToken
        ? `the server (${server.text}) predates insert_deduplication_token (${FEATURE_SINCE.dedupToken})`
        : `the table's engine ${table.engine} keeps no deduplication window (set non_replicated_deduplication_window)`
      this.#context.logger.log('warn', `ClickHouse sink ${this.#context.name} is at-least-once: ${why}`, {
        table: this.#name,
      })
    }
  }

  async validateSchema(schema: Schema): Promise<void> {
    const connection = this.#requireOpen()
    if (this.#table === undefined) {
      const sql = createTableSql(qualifiedName(this.#options.database, this.#options.table!), schema, this.#server!, {
        engine: this.#options.engine,
        orderBy: this.#options.order_by ?? [],
        lowCardinality: this.#options.low_cardinality,
        timestampFallback: this.#options.timestamp_fallback as 'fail' | 'datetime' | 'int64',
        ...(this.#marked ? { hiddenColumns: MARKER_COLUMNS_DDL } : {}),
      })
      try {
        await connection.command(sql)
      } catch (error) {
        throw classifyError(error, `creating ${this.#name}`, this.#context.name)
      }
      this.#table = await readTableInfo(connection, this.#options.database, this.#options.table!)
      this.#updateIdempotence()
      // The table may have existed after all (IF NOT EXISTS), made by someone else without the markers.
      if (this.#marked && this.#table !== undefined) checkMarkedTable(this.#table, this.#name, this.#context.name)
    }
    this.#columnsFor(schema)
  }

  /** The table's column type for every field, in schema order; builds the encoders once to check them. */
  #columnsFor(schema: Schema) {
    const table = this.#table!
    const columns = schema.fields.map((f) => {
      const column = table.columns.find((c) => c.name === f.name)
      if (column === undefined) {
        throw new FerrisError(
          'FERRIS_SCHEMA_MISMATCH',
          `The query writes a column ${f.name} that ClickHouse table ${this.#name} does not have`,
          {
            subject: `${this.#context.name}.${f.name}`,
            value: f.name,
            expected: `one of ${table.columns.map((c) => c.name).join(', ')}`,
            hint: 'Rename the column in the SELECT (AS name), or add it to the table',
          },
        )
      }

      return column.type
    })
    rowEncoder(schema.fields, columns)

    return columns
  }

  async createWriter(options: WriterOptions): Promise<DataWriter> {
    const connection = this.#requireOpen()
    if (this.#table === undefined) await this.validateSchema(options.schema)
    const columns = this.#columnsFor(options.schema)
    let marked: { ledger: CommitLedger; last: Awaited<ReturnType<CommitLedger['last']>> } | undefined
    if (this.#marked) {
      const ledger = new CommitLedger(connection, {
        database: this.#options.database,
        ledgerTable: this.#options.ledger_table,
        table: this.#options.table!,
        jobId: options.jobId,
        subject: this.#context.name,
      })
      await ledger.create()
      const last = await ledger.last()
      // Rows of a commit that never reached the ledger (the job crashed in it) go before anything is written.
      const removed = await ledger.removeUnfinished(last?.seq ?? 0, this.#options.request_timeout, this.#context.signal)
      if (removed > 0) {
        this.#context.logger.log('info', `Deleted the rows of an unfinished commit from ${this.#name}`, {
          rows: removed,
          lastCommit: last?.seq ?? 0,
        })
      }
      marked = { ledger, last }
    }

    return new ClickhouseWriter({
      connection,
      context: this.#context,
      options: this.#options,
      schema: options.schema,
      encode: rowEncoder(options.schema.fields, columns),
      jobId: options.jobId,
      tokens: this.#server!.features.dedupToken,
      idempotent: () => this.#idempotent,
      ...(marked === undefined ? {} : { marked }),
    })
  }

  async close(): Promise<void> {
    const connection = this.#connection
    this.#connection = undefined
    await connection?.close()
  }

  #requireOpen(): ClickhouseConnection {
    if (this.#connection === undefined || this.#server === undefined) {
      throw new FerrisError('FERRIS_INTERNAL', `ClickHouse sink ${this.#context.name} is used before open()`)
    }

    return this.#connection
  }
}
