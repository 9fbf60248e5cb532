import { defineOptions, type OptionValues } from '../config/option-schema.js'
import type { ConnectionString } from '../connection/connection-string.js'
import { paramsToOptions } from '../connection/parse-connection-string.js'
import type { ConnectorContext } from '../contracts/context.js'
import type { Position } from '../contracts/position.js'
import type { CommitInfo, DataSink, DataWriter, SinkCapabilities, WriterOptions } from '../contracts/sink.js'
import type { DataReader, DataSource, ReaderOptions, ReadResult, SourceCapabilities } from '../contracts/source.js'
import { FerrisError } from '../errors/ferris-error.js'
import { CORE_API_VERSION, type ConnectorPlugin, defineConnector } from '../plugins/plugin.js'
import { ChangeKind, type RecordBatch, type RecordMeta } from '../records/batch.js'
import type { Schema } from '../schema/schema.js'
import { isValueOf } from '../types/convert.js'
import { sameType, typeToString } from '../types/data-type.js'
import { isDecimal } from '../types/decimal.js'
import type { Row, Value } from '../types/value.js'
import { MemoryStore } from './memory-store.js'

export const memoryOptions = defineOptions({
  table: {
    type: 'string',
    required: true,
    aliases: ['name'],
    doc: 'The in-process table to read from or write to.',
    example: 'orders',
  },
  batch_size: { type: 'integer', min: 1, doc: "Rows per batch read; the job's batch size when absent." },
  follow: {
    type: 'boolean',
    default: false,
    doc: 'Read as an unbounded source: wait for appended rows until the table is ended (store.end).',
  },
  poll_interval: {
    type: 'duration',
    default: 10,
    doc: 'How long a following reader waits for new rows before it returns idle.',
  },
  validate: {
    type: 'boolean',
    default: true,
    doc: 'Check every row read against the reader schema; rows that do not fit go to the bad-record policy.',
  },
  changelog: {
    type: 'enum',
    values: ['none', 'retract', 'upsert'],
    doc: "Source: the table is a change stream (row kinds given to store.set or append), reported as the source's changelog capability; `none` drops the kinds. Unset: kinds are handed on as stored, and no capability is declared.",
  },
  mode: {
    type: 'enum',
    values: ['append', 'upsert'],
    default: 'append',
    doc: 'append keeps every row with its change kind; upsert applies UPDATE_AFTER and DELETE rows by key.',
  },
})

type MemoryOptions = OptionValues<typeof memoryOptions>

export interface MemoryPlugin extends ConnectorPlugin {
  /** The tables this plugin's sources read and sinks write. */
  readonly store: MemoryStore
}

/**
 * An in-memory source and sink under the scheme `memory`, for tests and benchmarks of the engine and of
 * connectors: `memory://orders` reads the rows a test put into `store.set('orders', rows, schema)`, and a
 * sink `memory://out` commits into `store.rows('out')`. Writes become visible at `commit` only, and the sink
 * stores source positions with its commit, so exactly-once recovery can be tested end to end.
 */
export function memoryPlugin(options: MemoryStore | { store?: MemoryStore; name?: string } = {}): MemoryPlugin {
  const opts = options instanceof MemoryStore ? { store: options } : options
  const store = opts.store ?? new MemoryStore()
  const definition = defineConnector({
    scheme: 'memory',
    typeNames: { source: 'memory_source', sink: 'memory_sink' },
    description: 'In-process tables for tests and benchmarks (@ferris/core/testing)',
    options: memoryOptions,
    fromConnectionString(uri: ConnectionString) {
      const table = uri.hosts[0]?.host ?? uri.path.replace(/^\/+/, '')

      return { ...(table === '' ? {} : { table }), ...paramsToOptions(uri) }
    },
    createSource: (opts, context) => new MemorySource(store, opts, context),
    createSink: (opts, context) => new MemorySink(store, opts, context),
  })

  return {
    name: opts.name ?? '@ferris/core/testing',
    version: CORE_API_VERSION,
    coreVersion: `^${CORE_API_VERSION}`,
    connectors: [definition],
    store,
  }
}

class MemorySource implements DataSource {
  readonly capabilities: SourceCapabilities
  readonly #store: MemoryStore
  readonly #options: MemoryOptions
  readonly #context: ConnectorContext

  constructor(store: MemoryStore, options: MemoryOptions, context: ConnectorContext) {
    this.#store = store
    this.#options = options
    this.#context = context
    this.capabilities = {
      bounded: !options.follow,
      seek: true,
      commit: true,
      schemaDiscovery: true,
      timestamps: false,
      ...(options.changelog === undefined || options.changelog === 'none'
        ? {}
        : { changelog: options.changelog as 'retract' | 'upsert' }),
    }
  }

  async open(): Promise<void> {
    if (this.#options.follow) this.#store.table(this.#options.table)
    else this.#store.get(this.#options.table)
  }

  async discoverSchema(): Promise<Schema | undefined> {
    return this.#store.get(this.#options.table).schema
  }

  async createReader(options: ReaderOptions): Promise<DataReader> {
    const reader = new MemoryReader(this.#store, this.#options, this.#context, options)
    const table = this.#store.table(this.#options.table)
    table.readerStarts.push(options.from)
    // A reader always starts at the first row without `from`: fromStart needs nothing more here.
    table.readerFromStart.push(options.fromStart === true)
    if (options.from !== undefined) await reader.seek(options.from)

    return reader
  }

  async close(): Promise<void> {}
}

class MemoryReader implements DataReader {
  readonly #store: MemoryStore
  readonly #options: MemoryOptions
  readonly #context: ConnectorContext
  readonly #schema: Schema
  readonly #batchSize: number
  #position = 0
  #ended = false
  /** How many rows the table held when the reader was created: `caughtUp` once they are read. */
  readonly #initialRows: number

  constructor(store: MemoryStore, options: MemoryOptions, context: ConnectorContext, reader: ReaderOptions) {
    this.#store = store
    this.#options = options
    this.#context = context
    this.#schema = reader.schema
    this.#batchSize = options.batch_size ?? reader.batchSize
    this.#initialRows = store.table(options.table).rows.length
  }

  caughtUp(): boolean {
    return this.#position >= this.#initialRows
  }

  async read(): Promise<ReadResult> {
    const table = this.#store.get(this.#options.table)
    table.beforeRead?.(this.#position)
    if (this.#position >= table.rows.length && this.#options.follow && !table.ended) {
      await this.#waitForRows(table.rows.length)
    }
    if (this.#position >= table.rows.length) {
      if (!this.#options.follow || table.ended) {
        this.#ended = true

        return { kind: 'end', position: this.#position }
      }

      return { kind: 'idle', position: this.#position }
    }
    const start = this.#position
    const end = Math.min(table.rows.length, start + this.#batchSize)
    const rows: Row[] = []
    const meta: (RecordMeta | undefined)[] = []
    // A table whose rows carry change kinds (a sink in append mode, or `store.append(..., { kinds })`) is a
    // changelog: its reader hands the kinds on.
    const kinds: number[] | undefined = table.kinds.length === 0 ? undefined : []
    let hasMeta = false
    for (let i = start; i < end; i++) {
      const row = table.rows[i]!
      if (this.#options.validate) {
        const problem = checkRow(row, this.#schema)
        if (problem !== undefined) {
          this.#reportBad(row, i, problem)
          continue
        }
      }
      rows.push(row)
      kinds?.push(table.kinds[i] ?? ChangeKind.INSERT)
      const m = table.meta[i]
      meta.push(m)
      if (m !== undefined) hasMeta = true
    }
    this.#position = end
    this.#context.metrics.count('records_read', rows.length)
    const batch: RecordBatch = {
      schema: this.#schema,
      rows,
      ...(hasMeta ? { meta } : {}),
      ...(kinds === undefined || this.#options.changelog === 'none' ? {} : { kinds: Uint8Array.from(kinds) }),
    }

    return { kind: 'batch', batch, position: end }
  }

  async commit(position: Position): Promise<void> {
    this.#store.table(this.#options.table).readCommits.push(position)
  }

  async seek(position: Position): Promise<void> {
    if (typeof position !== 'number' || !Number.isInteger(position) || position < 0) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `A memory source position is a row index, got ${JSON.stringify(position)}`,
        {
          subject: this.#context.name,
          value: JSON.stringify(position),
          expected: 'a non-negative integer',
          hint: 'Resume from a checkpoint written by the memory source',
        },
      )
    }
    this.#position = position
    this.#ended = false
  }

  hasMore(): boolean {
    return !this.#ended
  }

  async close(): Promise<void> {}

  #reportBad(row: Row, index: number, problem: string): void {
    const names = this.#schema.names
    const values: Record<string, Value> = {}
    names.forEach((n, i) => {
      values[n] = row[i] ?? null
    })
    this.#context.reportBadRecord({
      error: new FerrisError(
        'FERRIS_RECORD_MALFORMED',
        `Row ${index} of memory table "${this.#options.table}" does not fit the schema: ${problem}`,
        { subject: this.#context.name, location: { table: this.#options.table, row: index } },
      ),
      values,
      origin: this.#context.name,
      position: { table: this.#options.table, row: index },
    })
  }

  async #waitForRows(length: number): Promise<void> {
    const deadline = Date.now() + this.#options.poll_interval
    const signal = this.#context.signal
    while (Date.now() < deadline && !signal.aborted) {
      const table = this.#store.table(this.#options.table)
      if (table.rows.length > length || table.ended) return
      await new Promise((resolve) => setTimeout(resolve, Math.min(5, this.#options.poll_interval)))
    }
  }
}

function checkRow(row: Row, schema: Schema): string | undefined {
  if (!Array.isArray(row) || row.length !== schema.length) {
    return `expected ${schema.length} fields, got ${Array.isArray(row) ? row.length : typeof row}`
  }
  for (let i = 0; i < schema.fields.length; i++) {
    const field = schema.fields[i]!
    const value = row[i] ?? null
    if (value === null) {
      if (!field.nullable) return `field "${field.name}" is NOT NULL but holds null`
      continue
    }
    if (!isValueOf(value, field.type)) {
      const seen = isDecimal(value) ? 'Decimal' : value instanceof Uint8Array ? 'Uint8Array' : typeof value
      return `field "${field.name}" expects ${typeToString(field.type)}, got a ${seen}`
    }
  }

  return undefined
}

class MemorySink implements DataSink {
  readonly capabilities: SinkCapabilities
  readonly #store: MemoryStore
  readonly #options: MemoryOptions
  readonly #context: ConnectorContext

  constructor(store: MemoryStore, options: MemoryOptions, context: ConnectorContext) {
    this.#store = store
    this.#options = options
    this.#context = context
    this.capabilities = {
      transactions: true,
      upsert: options.mode === 'upsert',
      idempotent: false,
      storesPositions: true,
    }
  }

  async open(): Promise<void> {}

  async validateSchema(schema: Schema): Promise<void> {
    const existing = this.#store.has(this.#options.table) ? this.#store.table(this.#options.table).schema : undefined
    if (existing === undefined) return
    for (const field of schema.fields) {
      const there = existing.field(field.name)
      if (there === undefined || !sameType(there.type, field.type)) {
        throw new FerrisError(
          'FERRIS_SCHEMA_MISMATCH',
          `Column "${field.name}" (${typeToString(field.type)}) does not match memory table "${this.#options.table}" (${existing.toString()})`,
          {
            subject: `${this.#context.name}.${field.name}`,
            expected: there === undefined ? 'a column of the table' : typeToString(there.type),
            hint: 'Write to a new table or convert the column',
          },
        )
      }
    }
  }

  async createWriter(options: WriterOptions): Promise<DataWriter> {
    return new MemoryWriter(this.#store, this.#options, options)
  }

  async close(): Promise<void> {}
}

interface Pending {
  readonly row: Row
  readonly kind: ChangeKind
  readonly keyFields: readonly number[] | undefined
}

class MemoryWriter implements DataWriter {
  readonly #store: MemoryStore
  readonly #options: MemoryOptions
  readonly #schema: Schema
  #pending: Pending[] = []

  constructor(store: MemoryStore, options: MemoryOptions, writer: WriterOptions) {
    this.#store = store
    this.#options = options
    this.#schema = writer.schema
  }

  async write(batch: RecordBatch): Promise<void> {
    const table = this.#store.table(this.#options.table)
    const { rows, kinds, keyFields } = batch
    for (let i = 0; i < rows.length; i++) {
      // Copied: the engine may reuse row arrays after write() returns.
      const row = [...rows[i]!]
      this.#pending.push({ row, kind: (kinds?.[i] ?? ChangeKind.INSERT) as ChangeKind, keyFields })
      table.pending.push(row)
    }
    table.writes++
  }

  async flush(): Promise<void> {}

  async commit(info: CommitInfo): Promise<void> {
    const table = this.#store.table(this.#options.table)
    table.schema = this.#schema
    if (this.#options.mode === 'upsert') applyUpserts(table.rows, this.#pending, this.#options.table)
    else {
      for (const p of this.#pending) {
        table.rows.push(p.row)
        table.kinds.push(p.kind)
      }
    }
    this.#discard()
    table.commits.push(info)
  }

  async rollback(): Promise<void> {
    this.#discard()
  }

  async committedPositions(): Promise<Readonly<Record<string, Position>> | undefined> {
    return this.#store.has(this.#options.table)
      ? this.#store.table(this.#options.table).commits.at(-1)?.positions
      : undefined
  }

  async committedCheckpoint(): Promise<CommitInfo | undefined> {
    return this.#store.has(this.#options.table) ? this.#store.table(this.#options.table).commits.at(-1) : undefined
  }

  async close(): Promise<void> {
    this.#discard()
  }

  #discard(): void {
    const pending = this.#store.table(this.#options.table).pending
    const mine = new Set(this.#pending.map((p) => p.row))
    const others = pending.filter((row) => !mine.has(row))
    pending.length = 0
    pending.push(...others)
    this.#pending = []
  }
}

function applyUpserts(rows: Row[], pending: readonly Pending[], table: string): void {
  let index: Map<string, number> | undefined
  for (const p of pending) {
    if (p.keyFields === undefined || p.keyFields.length === 0) {
      if (p.kind === ChangeKind.INSERT) {
        rows.push(p.row)
        continue
      }
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `Memory table "${table}" received an update or delete without key fields`,
        {
          hint: 'Upserts need RecordBatch.keyFields (an EMIT CHANGES aggregation or a PRIMARY KEY sets them)',
        },
      )
    }
    index ??= new Map(rows.map((row, i) => [keyOf(row, p.keyFields!), i]))
    const key = keyOf(p.row, p.keyFields)
    const at = index.get(key)
    if (p.kind === ChangeKind.UPDATE_BEFORE) continue
    if (p.kind === ChangeKind.DELETE) {
      if (at !== undefined) {
        rows.splice(at, 1)
        index = undefined
      }
      continue
    }
    if (at === undefined) {
      index.set(key, rows.length)
      rows.push(p.row)
    } else rows[at] = p.row
  }
}

/** A string that is equal for equal key values of any representation (bigint, Decimal, bytes...). */
function keyOf(row: Row, keyFields: readonly number[]): string {
  return keyFields
    .map((i) => {
      const v = row[i] ?? null
      if (v === null) return 'n'
      if (typeof v === 'bigint') return `i${v}`
      if (isDecimal(v)) return `d${v.toString()}`
      if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('hex')}`

      return `${typeof v}${JSON.stringify(v)}`
    })
    .join('\u0000')
}
