import {
  type BadRecord,
  ChangeKind,
  type CommitInfo,
  type ConnectorContext,
  type DataWriter,
  FerrisError,
  isFerrisError,
  type Position,
  type RecordBatch,
  type Schema,
  type Value,
} from '@ferris/core'
import type pg from 'pg'
import type { PostgresOptions } from '../options.js'
import { classifyError } from '../sql/classify-error.js'
import { connectClient } from '../sql/connect.js'
import { type ParamEncoder, paramEncoder } from '../types/encode-text.js'
import { collapseByKey, type PendingRow } from './change-set.js'
import { copyRows, PLAIN_KINDS } from './copy-rows.js'
import type { PositionsTable } from './positions-table.js'
import { rowsPerStatement, Statements } from './statements.js'

export interface WriterSetup {
  readonly options: PostgresOptions
  readonly context: ConnectorContext
  readonly schema: Schema
  readonly jobId: string
  /** Quoted, qualified table name. */
  readonly table: string
  readonly tableLabel: string
  /** Key column names; empty: append only. */
  readonly key: readonly string[]
  readonly positions: PositionsTable | undefined
}

/**
 * Writes rows inside one transaction per commit. Rows are encoded when `write` receives them and sent as
 * multi-row statements of `batch_size` rows; `commit` sends the rest, stores the positions (exactly-once)
 * and commits. Each statement runs under a savepoint so that a row the server refuses (constraint, value
 * out of range) can be found, handed to the bad-record policy, and the rest of the statement written.
 *
 * Every row accepted since the last successful commit is kept (`#uncommitted`). After a retryable failure
 * that loses the transaction (connection lost, server restarted, serialization failure), the failed call
 * throws, and the next call (the job's retry of it) reconnects, opens a new transaction and re-sends those
 * rows before going on, so a retried call after an outage loses and repeats nothing. A COMMIT whose answer
 * was lost is in doubt: with exactly-once positions the stored checkpoint id says whether it went through;
 * without them the rows are sent again (see the README's delivery notes). A failure that is not retryable
 * (a bad-record policy of `fail`, authentication) makes every call throw until `rollback`.
 */
export class PostgresWriter implements DataWriter {
  readonly #setup: WriterSetup
  readonly #encoders: ParamEncoder[]
  readonly #keyIndexes: number[]
  readonly #statements: Statements
  readonly #chunk: number
  readonly #plain: boolean[]
  #client: pg.Client | undefined
  #inTransaction = false
  /** A `ferris_rows` savepoint is open in the transaction. */
  #savepoint = false
  #broken: FerrisError | undefined
  #pending: PendingRow[] = []
  /**
   * Every row accepted since the last successful commit, in order, to replay into a new transaction after
   * the old one was lost. Bounded by what one checkpoint interval writes.
   */
  #uncommitted: PendingRow[] = []
  /** Rows the server refused (reported as bad records) in this checkpoint: not replayed, not reported twice. */
  #refused = new WeakSet<PendingRow>()
  /** The checkpoint whose COMMIT was sent but not answered: it may or may not have been committed. */
  #commitInDoubt: number | undefined
  #closed = false

  constructor(setup: WriterSetup, client: pg.Client) {
    this.#setup = setup
    this.#client = client
    const subject = setup.context.name
    this.#encoders = setup.schema.fields.map((f) => paramEncoder(f.type, `${subject}.${f.name}`))
    this.#plain = setup.schema.fields.map((f) => PLAIN_KINDS.has(f.type.kind))
    this.#keyIndexes = setup.key.map((k) => setup.schema.indexOf(k, true))
    this.#statements = new Statements(setup.table, setup.schema.names, setup.key)
    // A COPY has no parameters; an INSERT binds one per value, at most 65535.
    this.#chunk =
      setup.key.length === 0
        ? setup.options.batch_size
        : rowsPerStatement(setup.options.batch_size, setup.schema.length)
  }

  async write(batch: RecordBatch): Promise<void> {
    await this.#ready()
    // A failed write is retried with the whole batch: forget the part of it this call had accepted.
    const mark = this.#uncommitted.length
    try {
      await this.#accept(batch)
    } catch (error) {
      // Rows of this batch still waiting in #pending go too (a bad-record policy of `fail` throws before
      // they are sent), so what is sent and what would be replayed stay the same.
      const accepted = new Set(this.#uncommitted.slice(mark))
      this.#uncommitted.length = mark
      if (accepted.size > 0) this.#pending = this.#pending.filter((row) => !accepted.has(row))
      throw error
    }
  }

  async #accept(batch: RecordBatch): Promise<void> {
    const rows = batch.rows
    const kinds = batch.kinds
    const keyed = this.#keyIndexes.length > 0
    const width = this.#encoders.length
    // Column by column: each loop calls one encoder, which V8 keeps monomorphic and inlines.
    const params: Array<Array<string | null>> = new Array(rows.length)
    for (let r = 0; r < rows.length; r++) params[r] = new Array(width)
    let failed: Map<number, unknown> | undefined
    for (let c = 0; c < width; c++) {
      const encode = this.#encoders[c]!
      for (let r = 0; r < rows.length; r++) {
        try {
          params[r]![c] = encode(rows[r]![c] ?? null)
        } catch (error) {
          failed ??= new Map()
          if (!failed.has(r)) failed.set(r, error)
        }
      }
    }
    for (let r = 0; r < rows.length; r++) {
      const kind = (kinds?.[r] ?? ChangeKind.INSERT) as ChangeKind
      // Without a key, an UPDATE_BEFORE would append the old row as if it were new data.
      if (!keyed && kind === ChangeKind.UPDATE_BEFORE) continue
      const error = failed?.get(r)
      if (error !== undefined) {
        this.#reportBad(rows[r]!, error)
        continue
      }
      const p = params[r]!
      if (keyed) {
        const nullKey = this.#keyIndexes.find((k) => p[k] === null)
        if (nullKey !== undefined) {
          this.#reportBad(rows[r]!, this.#nullKey(nullKey))
          continue
        }
      }
      const row: PendingRow = { params: p, kind, values: rows[r]! }
      this.#pending.push(row)
      this.#uncommitted.push(row)
      if (this.#pending.length >= this.#chunk) await this.#send()
    }
  }

  async flush(): Promise<void> {
    await this.#ready()
    await this.#send()
  }

  async commit(info: CommitInfo): Promise<void> {
    await this.#ready()
    await this.#send()
    const client = await this.#ensureClient()
    let sent = false
    try {
      if (this.#setup.positions !== undefined) {
        await this.#begin(client)
        await this.#setup.positions.store(client, this.#setup.jobId, info.checkpointId, info.positions)
      }
      if (this.#inTransaction) {
        this.#inTransaction = false
        sent = true
        await client.query('COMMIT')
      }
    } catch (error) {
      if (sent) this.#commitInDoubt = info.checkpointId
      throw this.#fail(error, `committing checkpoint ${info.checkpointId}`)
    }
    this.#committed()
  }

  async rollback(): Promise<void> {
    this.#pending = []
    this.#committed()
    this.#broken = undefined
    if (this.#inTransaction && this.#client !== undefined) {
      this.#inTransaction = false
      try {
        await this.#client.query('ROLLBACK')
      } catch {
        // The connection is gone, and the transaction with it: the next call opens a new connection.
        await this.#drop()
      }
    }
    this.#inTransaction = false
  }

  async committedPositions(): Promise<Readonly<Record<string, Position>> | undefined> {
    if (this.#setup.positions === undefined) return undefined
    const client = await this.#ensureClient()
    try {
      return await this.#setup.positions.load(client, this.#setup.jobId)
    } catch (error) {
      throw classifyError(error, this.#setup.context.name, 'reading the committed positions')
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.rollback()
    await this.#drop()
  }

  /** The open connection, for tests that cut it as a killed process would. Not part of the contract. */
  connectionForTests(): pg.Client | undefined {
    return this.#client
  }

  // -------------------------------------------------------------------------------------------------------

  /** The checkpoint's rows are committed (or discarded): nothing to replay any more. */
  #committed(): void {
    this.#uncommitted = []
    this.#refused = new WeakSet()
    this.#commitInDoubt = undefined
  }

  /**
   * Before every call: after a retryable loss of the transaction, reconnect and replay the checkpoint's rows
   * into a new transaction. A server still down fails here at once (connection refused, or `connect_timeout`)
   * with a retryable error, so the job's backoff does the waiting.
   */
  async #ready(): Promise<void> {
    this.#check()
    const lost = this.#broken
    if (lost === undefined) return
    const client = await this.#fresh(lost)
    try {
      if (this.#commitInDoubt !== undefined && this.#setup.positions !== undefined) {
        // The stored checkpoint id is written in the same transaction as the rows: it says which way the
        // unanswered COMMIT went.
        const stored = await this.#setup.positions.loadCheckpointId(client, this.#setup.jobId)
        if (stored !== undefined && stored >= this.#commitInDoubt) this.#committed()
      }
      this.#commitInDoubt = undefined
      this.#pending = []
      this.#broken = undefined
      const replay = this.#uncommitted.filter((row) => !this.#refused.has(row))
      for (let start = 0; start < replay.length; start += this.#chunk) {
        this.#pending = replay.slice(start, start + this.#chunk)
        await this.#send()
      }
    } catch (error) {
      this.#pending = []
      throw this.#broken ?? this.#fail(error, `replaying the uncommitted rows into ${this.#setup.tableLabel}`)
    }
  }

  /** A connection with no transaction open: the old one rolled back, or a new one when it is gone. */
  async #fresh(lost: FerrisError): Promise<pg.Client> {
    if (this.#client !== undefined && this.#inTransaction) {
      this.#inTransaction = false
      await this.#client.query('ROLLBACK').catch(() => this.#drop())
    }
    this.#inTransaction = false
    this.#savepoint = false
    try {
      return await this.#ensureClient()
    } catch (error) {
      throw new FerrisError(
        isFerrisError(error) ? error.code : lost.code,
        `${this.#setup.context.name}: reconnecting to replay the lost transaction failed (${isFerrisError(error) ? error.message : String(error)}); retry later`,
        {
          cause: error,
          retryable: isFerrisError(error) ? error.retryable : lost.retryable,
          subject: this.#setup.context.name,
        },
      )
    }
  }

  #check(): void {
    if (this.#closed) {
      throw new FerrisError('FERRIS_INTERNAL', `${this.#setup.context.name}: the PostgreSQL writer is closed`)
    }
    if (this.#broken !== undefined && !this.#broken.retryable) {
      throw new FerrisError(
        this.#broken.code,
        `${this.#setup.context.name}: the transaction was lost (${this.#broken.message}); roll back and replay from the last checkpoint`,
        { cause: this.#broken, retryable: this.#broken.retryable, subject: this.#setup.context.name },
      )
    }
  }

  async #ensureClient(): Promise<pg.Client> {
    if (this.#client === undefined) {
      this.#client = await connectClient(this.#setup.options, this.#setup.context.name)
    }

    return this.#client
  }

  async #drop(): Promise<void> {
    const client = this.#client
    this.#client = undefined
    this.#inTransaction = false
    await client?.end().catch(() => {})
  }

  async #begin(client: pg.Client): Promise<void> {
    if (this.#inTransaction) return
    await client.query('BEGIN')
    this.#inTransaction = true
    this.#savepoint = false
  }

  /** Marks the transaction lost, drops a dead connection, and returns the classified error to throw. */
  #fail(error: unknown, during: string): FerrisError {
    const classified = classifyError(error, this.#setup.context.name, during)
    this.#broken = classified
    this.#pending = []
    if (classified.code === 'FERRIS_CONNECTION_FAILED') void this.#drop()

    return classified
  }

  async #send(): Promise<void> {
    if (this.#pending.length === 0) return
    const rows = this.#pending
    this.#pending = []
    const client = await this.#ensureClient()
    try {
      await this.#begin(client)
      if (this.#keyIndexes.length === 0) {
        await this.#run(client, rows, 'copy')
      } else {
        const { upserts, deletes } = collapseByKey(rows, this.#keyIndexes)
        if (deletes.length > 0) await this.#run(client, deletes, 'delete')
        if (upserts.length > 0) await this.#run(client, upserts, 'insert')
      }
    } catch (error) {
      if (
        isFerrisError(error) &&
        error.code !== 'FERRIS_CONNECTION_FAILED' &&
        !error.retryable &&
        this.#broken === undefined
      ) {
        // A bad-record policy of `fail` threw: the transaction is still usable, but the job stops.
        this.#broken = error
        throw error
      }
      throw this.#broken ?? this.#fail(error, `writing to ${this.#setup.tableLabel}`)
    }
  }

  /**
   * Sends rows in statements of at most `#chunk` rows (appends: one COPY of them), each under a savepoint,
   * so that a refused statement can be undone alone and its rows tried one by one.
   */
  async #run(client: pg.Client, rows: PendingRow[], what: 'insert' | 'delete' | 'copy'): Promise<void> {
    for (let start = 0; start < rows.length; start += this.#chunk) {
      const part = rows.slice(start, start + this.#chunk)
      try {
        // One round trip: the previous statement's savepoint is released as this one's is taken (a simple
        // query may hold several statements). The last one is released by COMMIT.
        await client.query(
          this.#savepoint ? 'RELEASE SAVEPOINT ferris_rows; SAVEPOINT ferris_rows' : 'SAVEPOINT ferris_rows',
        )
        this.#savepoint = true
        if (what === 'copy') await copyRows(client, this.#statements.copy(), part, this.#plain)
        else await client.query(this.#text(what, part.length), this.#params(what, part))
      } catch (error) {
        const classified = classifyError(error, this.#setup.context.name, `writing to ${this.#setup.tableLabel}`)
        if (classified.context.badRecord !== true || !this.#savepoint)
          throw this.#fail(error, `writing to ${this.#setup.tableLabel}`)
        await client.query('ROLLBACK TO SAVEPOINT ferris_rows')
        await this.#oneByOne(client, part, what === 'copy' ? 'insert' : what)
      }
    }
  }

  /** After a refused statement: each row on its own, so only the refused rows go to the bad-record policy. */
  async #oneByOne(client: pg.Client, rows: PendingRow[], what: 'insert' | 'delete'): Promise<void> {
    for (const row of rows) {
      try {
        await client.query('SAVEPOINT ferris_row')
        await client.query(this.#text(what, 1), this.#params(what, [row]))
        await client.query('RELEASE SAVEPOINT ferris_row')
      } catch (error) {
        const classified = classifyError(error, this.#setup.context.name, `writing a row to ${this.#setup.tableLabel}`)
        if (classified.context.badRecord !== true) throw this.#fail(error, `writing to ${this.#setup.tableLabel}`)
        await client.query('ROLLBACK TO SAVEPOINT ferris_row')
        this.#refused.add(row)
        this.#reportBad(row.values as Value[], classified)
      }
    }
  }

  #text(what: 'insert' | 'delete', rows: number): string {
    return what === 'insert' ? this.#statements.insert(rows) : this.#statements.delete(rows)
  }

  #params(what: 'insert' | 'delete', rows: readonly PendingRow[]): Array<string | null> {
    const out: Array<string | null> = []
    if (what === 'insert') {
      for (const row of rows) for (const p of row.params) out.push(p)
    } else {
      for (const row of rows) for (const k of this.#keyIndexes) out.push(row.params[k]!)
    }

    return out
  }

  #nullKey(index: number): FerrisError {
    const name = this.#setup.schema.fields[index]!.name

    return new FerrisError('FERRIS_RECORD_MALFORMED', `${this.#setup.context.name}: key column "${name}" is NULL`, {
      subject: this.#setup.context.name,
      column: name,
      expected: 'a non-null key value for upserts and deletes',
    })
  }

  #reportBad(row: readonly Value[], error: unknown): void {
    const ferris = isFerrisError(error)
      ? error
      : classifyError(error, this.#setup.context.name, `encoding a row for ${this.#setup.tableLabel}`)
    const values: Record<string, Value> = {}
    this.#setup.schema.fields.forEach((f, i) => {
      values[f.name] = row[i] ?? null
    })
    const record: BadRecord = { error: ferris, values, origin: this.#setup.context.name }
    this.#setup.context.reportBadRecord(record)
  }
}
