import {
  type CommitInfo,
  type DataSink,
  type DataWriter,
  FerrisError,
  type RecordBatch,
  type Row,
  type Schema,
} from '@ferris/core'

/**
 * A sink double that keeps rows in memory and can be made to fail: `down` makes every write and commit fail
 * with a retryable FERRIS_CONNECTION_FAILED, `poison` a non-retryable error. Committed rows are those of
 * writes before a successful commit; a rollback drops the rest.
 */
export class MemorySink implements DataSink {
  readonly capabilities = { transactions: true, upsert: false, idempotent: false, storesPositions: false }
  down = false
  poison: FerrisError | undefined
  opened = false
  closed = false
  validated: Schema | undefined
  writeCalls = 0
  commits: CommitInfo[] = []
  pending: Row[] = []
  committed: Row[] = []

  async open(): Promise<void> {
    this.opened = true
  }

  async validateSchema(schema: Schema): Promise<void> {
    this.validated = schema
  }

  async createWriter(): Promise<DataWriter> {
    return {
      write: async (batch: RecordBatch) => {
        this.writeCalls++
        this.#check()
        this.pending.push(...batch.rows)
      },
      flush: async () => this.#check(),
      commit: async (info) => {
        this.#check()
        this.committed.push(...this.pending)
        this.pending = []
        this.commits.push(info)
      },
      rollback: async () => {
        this.pending = []
      },
      close: async () => {
        this.pending = []
      },
    }
  }

  async close(): Promise<void> {
    this.closed = true
  }

  #check(): void {
    if (this.poison !== undefined) throw this.poison
    if (this.down) throw new FerrisError('FERRIS_CONNECTION_FAILED', 'connection refused by memory sink')
  }
}
