import {
  batchOf,
  type ConnectorContext,
  type DataReader,
  FerrisError,
  type Position,
  type ReadResult,
  type Row,
  type Schema,
} from '@ferris/core'
import type pg from 'pg'
import { classifyError } from '../sql/classify-error.js'
import type { SnapshotPosition } from './positions.js'
import { RowConverter } from './row-converter.js'
import type { SnapshotCursor } from './snapshot-cursor.js'

/**
 * Reads a table or query once, through a cursor in a REPEATABLE READ transaction: the rows are one
 * consistent snapshot however long the read takes, and memory holds one batch.
 */
export class SnapshotReader implements DataReader {
  readonly #client: pg.Client
  readonly #cursor: SnapshotCursor
  readonly #schema: Schema
  readonly #context: ConnectorContext
  readonly #fetchSize: number
  #converter: RowConverter | undefined
  #rows = 0n
  #ended = false
  #closed = false

  constructor(client: pg.Client, cursor: SnapshotCursor, schema: Schema, context: ConnectorContext, fetchSize: number) {
    this.#client = client
    this.#cursor = cursor
    this.#schema = schema
    this.#context = context
    this.#fetchSize = fetchSize
  }

  async read(): Promise<ReadResult> {
    if (this.#ended) return { kind: 'end', position: this.#position() }
    let texts: Array<Array<string | null>>
    try {
      texts = await this.#cursor.fetch(this.#fetchSize)
    } catch (error) {
      throw classifyError(error, this.#context.name, 'reading the snapshot')
    }
    this.#converter ??= new RowConverter(this.#cursor.columns ?? [], this.#schema, this.#context.name)
    const rows: Row[] = []
    for (const t of texts) {
      this.#rows++
      try {
        rows.push(this.#converter.convert(t))
      } catch (error) {
        this.#context.reportBadRecord({
          error: error as never,
          origin: this.#context.name,
          position: { row: this.#rows },
        })
      }
    }
    if (this.#cursor.done) {
      this.#ended = true
      await this.#finish()
    }
    if (rows.length === 0) return this.#ended ? { kind: 'end', position: this.#position() } : this.read()

    return { kind: 'batch', batch: batchOf(this.#schema, rows), position: this.#position() }
  }

  async commit(_position: Position): Promise<void> {}

  async seek(_position: Position): Promise<void> {
    throw new FerrisError('FERRIS_UNSUPPORTED', `${this.#context.name}: a PostgreSQL snapshot cannot seek`, {
      hint: 'Restart the job without a position to read the snapshot again',
    })
  }

  hasMore(): boolean {
    return !this.#ended
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#client.end().catch(() => {})
  }

  #position(): SnapshotPosition {
    return { mode: 'snapshot', rows: this.#rows.toString(), done: this.#ended }
  }

  async #finish(): Promise<void> {
    await this.#client.query('COMMIT').catch(() => {})
    await this.close()
  }
}
