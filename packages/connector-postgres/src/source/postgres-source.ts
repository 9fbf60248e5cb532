import {
  type ConnectorContext,
  type DataReader,
  type DataSource,
  FerrisError,
  type ReaderOptions,
  Schema,
  type SourceCapabilities,
} from '@ferris/core'
import type pg from 'pg'
import type { PostgresOptions } from '../options.js'
import { classifyError } from '../sql/classify-error.js'
import { connectClient, rawTypes } from '../sql/connect.js'
import { deriveName, qualifiedName } from '../sql/identifiers.js'
import { CdcReader } from './cdc-reader.js'
import { invalidPosition, isCdcPosition, isSnapshotPosition, type SnapshotPosition } from './positions.js'
import { prepareCdc } from './prepare-cdc.js'
import { schemaOf } from './row-converter.js'
import { SnapshotCursor } from './snapshot-cursor.js'
import { SnapshotReader } from './snapshot-reader.js'

/** A table or query read once, or a table's snapshot followed by its changes (cdc=true). */
export class PostgresSource implements DataSource {
  readonly capabilities: SourceCapabilities
  readonly #options: PostgresOptions
  readonly #context: ConnectorContext
  readonly #select: string
  readonly #label: string

  constructor(given: PostgresOptions, context: ConnectorContext) {
    // An empty table or query (e.g. `table=` left in a connection string) means none.
    const options: PostgresOptions = {
      ...given,
      table: given.table === '' ? undefined : given.table,
      query: given.query?.trim() === '' ? undefined : given.query,
    } as PostgresOptions
    this.#options = options
    this.#context = context
    const subject = context.name
    if (options.cdc && options.query !== undefined) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `${subject}: cdc=true follows a table, not a query`, {
        subject: `${subject}.query`,
        hint: 'Give table=... instead of query=..., or set cdc=false for a one-time read of the query',
      })
    }
    if (options.table === undefined && options.query === undefined) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `${subject}: a PostgreSQL source needs table=... or query=...`, {
        subject: `${subject}.table`,
        hint: `Add table=orders to the connection string, or '${subject}.table' = 'orders' to the WITH clause`,
      })
    }
    if (options.table !== undefined && options.query !== undefined) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `${subject}: give either table or query, not both`, {
        subject: `${subject}.query`,
      })
    }
    this.#label = options.table === undefined ? 'the query' : qualifiedName(options.schema, options.table)
    // The query is the user's own SQL; a table name is quoted and cannot inject anything.
    this.#select =
      options.table === undefined ? `SELECT * FROM (${options.query}) AS ferris_query` : `SELECT * FROM ${this.#label}`
    this.capabilities = {
      bounded: !options.cdc,
      seek: false,
      commit: options.cdc,
      schemaDiscovery: true,
      timestamps: false,
      // Updates carry their old row as UPDATE_BEFORE and deletes their whole row under REPLICA IDENTITY FULL,
      // which replica_identity_full (the default) makes sure of; without it the old values may be missing.
      ...(options.cdc ? { changelog: options.replica_identity_full ? ('retract' as const) : ('upsert' as const) } : {}),
    }
  }

  async open(): Promise<void> {
    const client = await connectClient(this.#options, this.#context.name)
    try {
      await this.#describe(client)
    } finally {
      await client.end().catch(() => {})
    }
  }

  async discoverSchema(): Promise<Schema> {
    const client = await connectClient(this.#options, this.#context.name)
    try {
      return await this.#describe(client)
    } finally {
      await client.end().catch(() => {})
    }
  }

  async createReader(options: ReaderOptions): Promise<DataReader> {
    const batchSize = this.#options.fetch_size ?? options.batchSize
    if (this.#options.cdc) {
      if (options.from !== undefined && !isCdcPosition(options.from)) {
        throw invalidPosition(this.#context.name, options.from, 'a change-capture position ({ mode: "cdc", ... })')
      }
      // A table without a checkpoint position (fromStart) reads a new snapshot even with snapshot=false: with
      // no from, an existing slot is recreated for it rather than followed from its confirmed position.
      const fromStart = options.from === undefined && options.fromStart === true
      const start = await prepareCdc({
        options: fromStart ? { ...this.#options, snapshot: true } : this.#options,
        context: this.#context,
        slot: this.#options.slot ?? deriveName('ferris_', this.#context.name),
        publication: this.#options.publication ?? deriveName('ferris_', this.#context.name, '_pub'),
        table: this.#options.table!,
        from: options.from,
        select: this.#select,
      })

      return new CdcReader(this.#options, this.#context, options.schema, batchSize, start)
    }
    if (options.from !== undefined && !isSnapshotPosition(options.from)) {
      throw invalidPosition(this.#context.name, options.from, 'a snapshot position ({ mode: "snapshot", ... })')
    }
    // Limitation: a snapshot cannot resume in the middle (it restarts); a finished one is not read again.
    if (isSnapshotPosition(options.from) && options.from.done) return finished(options.from)
    const client = await connectClient(this.#options, this.#context.name)
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      const cursor = await SnapshotCursor.declare(client, 'ferris_snapshot', this.#select)

      return new SnapshotReader(client, cursor, options.schema, this.#context, batchSize)
    } catch (error) {
      await client.end().catch(() => {})
      throw classifyError(error, this.#context.name, `reading ${this.#label}`)
    }
  }

  async close(): Promise<void> {}

  /** Columns and types of the table or query, from a `LIMIT 0` run; NOT NULL from the catalog for tables. */
  async #describe(client: pg.Client): Promise<Schema> {
    try {
      const result = await client.query({ text: `${this.#select} LIMIT 0`, types: rawTypes })
      const columns = result.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID, typmod: f.dataTypeModifier }))
      const notNull = new Set<string>()
      if (this.#options.table !== undefined) {
        const nn = await client.query<{ attname: string }>(
          `SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND a.attnotnull AND NOT a.attisdropped`,
          [this.#options.schema, this.#options.table],
        )
        for (const r of nn.rows) notNull.add(r.attname)
      }

      return new Schema(schemaOf(columns, notNull).fields)
    } catch (error) {
      throw classifyError(error, this.#context.name, `describing ${this.#label}`)
    }
  }
}

function finished(position: SnapshotPosition): DataReader {
  return {
    read: async () => ({ kind: 'end', position }),
    commit: async () => {},
    seek: async () => {},
    hasMore: () => false,
    close: async () => {},
  }
}
