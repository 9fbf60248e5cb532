import {
  CORE_API_VERSION,
  type CommitInfo,
  type ConnectorContext,
  type ConnectorPlugin,
  type DataReader,
  type DataSink,
  type DataSource,
  type DataWriter,
  defineConnector,
  defineOptions,
  FerrisError,
  type Position,
  type RecordBatch,
  type RecordMeta,
  type Row,
  type Schema,
} from '@ferris/core'

// A small in-memory source and sink for the engine's tests, until `@ferris/core/testing` ships one.

export interface MemoryTable {
  schema: Schema
  rows: Row[]
  meta?: Array<RecordMeta | undefined>
  /** Rows made visible by commits (sinks). */
  committed: Row[]
  /** Written but not committed yet (sinks). */
  pending: Row[]
  commits: CommitInfo[]
  /** Called before each read; a test throws from it to simulate a crash mid-stream. */
  beforeRead?: (position: number) => void
  /** How many times a reader was created and from where. */
  readerStarts: Array<Position | undefined>
  readCommits: Position[]
  /** Batches written (sinks), to check batching and backpressure. */
  writes: number
}

export class MemoryStore {
  readonly tables = new Map<string, MemoryTable>()

  table(name: string, schema?: Schema, rows: Row[] = [], meta?: Array<RecordMeta | undefined>): MemoryTable {
    let t = this.tables.get(name)
    if (t === undefined) {
      if (schema === undefined) {
        throw new FerrisError('FERRIS_NOT_FOUND', `Memory table "${name}" does not exist`, {
          value: name,
          expected: [...this.tables.keys()].join(', '),
        })
      }
      t = {
        schema,
        rows,
        committed: [],
        pending: [],
        commits: [],
        readerStarts: [],
        readCommits: [],
        writes: 0,
        ...(meta === undefined ? {} : { meta }),
      }
      this.tables.set(name, t)
    }

    return t
  }
}

const options = defineOptions({
  table: { type: 'string', required: true, doc: 'table name in the store' },
  batch_size: { type: 'integer', default: 0, doc: 'records per batch; 0 follows the job' },
  stores_positions: { type: 'boolean', default: false, doc: 'the sink keeps source positions with its commits' },
})

export function memoryPlugin(store: MemoryStore): ConnectorPlugin {
  return {
    name: '@ferris/test-memory',
    version: '0.0.0',
    coreVersion: `^${CORE_API_VERSION}`,
    connectors: [
      defineConnector({
        scheme: 'memory',
        typeNames: { source: 'memory_source', sink: 'memory_sink' },
        description: 'in-memory tables for tests',
        options,
        fromConnectionString: (uri) => ({ table: uri.hosts[0]?.host ?? uri.path.replace(/^\//, '') }),
        createSource: (o, ctx) => new MemorySource(store, o.table, o.batch_size, ctx),
        createSink: (o, ctx) => new MemorySink(store, o.table, ctx, o.stores_positions),
      }),
    ],
  }
}

class MemorySource implements DataSource {
  readonly capabilities = { bounded: true, seek: true, commit: true, schemaDiscovery: true, timestamps: true }
  readonly store: MemoryStore
  readonly name: string
  readonly batchSize: number
  readonly ctx: ConnectorContext
  constructor(store: MemoryStore, name: string, batchSize: number, ctx: ConnectorContext) {
    this.store = store
    this.name = name
    this.batchSize = batchSize
    this.ctx = ctx
  }
  async open(): Promise<void> {
    this.store.table(this.name)
  }
  async discoverSchema(): Promise<Schema | undefined> {
    return this.store.table(this.name).schema
  }
  async createReader(o: { schema: Schema; from?: Position; batchSize: number }): Promise<DataReader> {
    const t = this.store.table(this.name)
    t.readerStarts.push(o.from)
    let pos = typeof o.from === 'number' ? o.from : 0
    const size = this.batchSize > 0 ? this.batchSize : o.batchSize
    let ended = false

    return {
      read: async () => {
        t.beforeRead?.(pos)
        if (pos >= t.rows.length) {
          ended = true
          return { kind: 'end', position: pos }
        }
        const end = Math.min(t.rows.length, pos + size)
        const rows: Row[] = []
        const meta: Array<RecordMeta | undefined> = []
        for (let i = pos; i < end; i++) {
          const row = t.rows[i]!
          // A row marked { bad: true } in meta is undecodable: the reader reports it and moves on.
          if ((t.meta?.[i] as { bad?: boolean } | undefined)?.bad === true) {
            this.ctx.reportBadRecord({
              error: new FerrisError('FERRIS_RECORD_MALFORMED', `Row ${i} of ${this.name} is malformed`),
              origin: this.name,
              position: { index: i },
              raw: `raw-${i}`,
            })
            continue
          }
          rows.push(row)
          meta.push(t.meta?.[i])
        }
        pos = end
        const batch: RecordBatch = { schema: t.schema, rows, ...(t.meta === undefined ? {} : { meta }) }
        return { kind: 'batch', batch, position: pos }
      },
      commit: async (p) => {
        t.readCommits.push(p)
      },
      seek: async (p) => {
        pos = p as number
      },
      hasMore: () => !ended,
      close: async () => {},
    }
  }
  async close(): Promise<void> {}
}

class MemorySink implements DataSink {
  readonly capabilities: DataSink['capabilities']
  readonly store: MemoryStore
  readonly name: string
  readonly ctx: ConnectorContext
  constructor(store: MemoryStore, name: string, ctx: ConnectorContext, storesPositions: boolean) {
    this.store = store
    this.name = name
    this.ctx = ctx
    this.capabilities = { transactions: true, upsert: false, idempotent: false, storesPositions }
  }
  async open(): Promise<void> {}
  async validateSchema(): Promise<void> {}
  async createWriter(o: { schema: Schema }): Promise<DataWriter> {
    const t = this.store.table(this.name, o.schema)
    t.schema = o.schema

    return {
      write: async (batch) => {
        t.writes++
        t.pending.push(...batch.rows)
      },
      flush: async () => {},
      commit: async (info) => {
        t.committed.push(...t.pending)
        t.pending = []
        t.commits.push(info)
      },
      rollback: async () => {
        t.pending = []
      },
      close: async () => {
        t.pending = []
      },
      ...(this.capabilities.storesPositions ? { committedPositions: async () => t.commits.at(-1)?.positions } : {}),
    }
  }
  async close(): Promise<void> {}
}
