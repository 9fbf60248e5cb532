import {
  batchOf,
  ChangeKind,
  type ConnectorContext,
  type DataReader,
  FerrisError,
  type Position,
  type ReadResult,
  type Row,
  type Schema,
} from '@ferris/core'
import type pg from 'pg'
import type { PostgresOptions } from '../options.js'
import { classifyError } from '../sql/classify-error.js'
import { PgoutputDecoder, type Relation, type TupleValue, UNCHANGED_TOAST } from './pgoutput-decoder.js'
import { type CdcPosition, invalidPosition, isCdcPosition, parseLsn, type SnapshotSegment } from './positions.js'
import { ReplicationStream } from './replication-stream.js'
import { RowConverter } from './row-converter.js'
import type { SnapshotCursor } from './snapshot-cursor.js'
import type { SnapshotKey } from './snapshot-key.js'

type Item =
  | { readonly t: 'row'; readonly kind: ChangeKind; readonly row: Row; readonly xid: number; readonly seq: number }
  | { readonly t: 'bad'; readonly error: FerrisError; readonly xid: number; readonly seq: number }
  | { readonly t: 'commit'; readonly endLsn: string }

/** What the source prepared before the first read: the slot and, with a snapshot, its open cursor. */
export interface CdcStart {
  readonly slot: string
  readonly publication: string
  readonly schemaName: string
  readonly table: string
  /** The position to continue from: the slot's consistent point, or the checkpoint's position. */
  readonly position: CdcPosition
  /** With `phase: 'snapshot'`: the client whose transaction imported the slot's snapshot, and its cursor. */
  readonly snapshot?: { readonly client: pg.Client; readonly cursor: SnapshotCursor }
  /** The table's primary key, when the snapshot is read in its order (see SnapshotKey). */
  readonly key?: SnapshotKey | undefined
  /** Called once by close(), e.g. to drop the slot. */
  readonly onClose: () => Promise<void>
}

/**
 * Change data capture from one table: first the snapshot exported by the slot's creation (when asked), then
 * the slot's change stream from exactly the snapshot's consistent point, so no change is missed or read
 * twice. Inserts are INSERT rows, updates an UPDATE_BEFORE row (the old values, with REPLICA IDENTITY FULL)
 * followed by an UPDATE_AFTER row, deletes DELETE rows carrying the old values.
 *
 * Positions name the end LSN of the last transaction handed over completely, plus how many rows of the
 * next one were handed over when a batch ended inside it. The slot's confirmed LSN moves only in `commit`.
 */
export class CdcReader implements DataReader {
  readonly #options: PostgresOptions
  readonly #context: ConnectorContext
  readonly #schema: Schema
  readonly #batchSize: number
  readonly #start: CdcStart
  readonly #decoder = new PgoutputDecoder()
  readonly #converters = new Map<number, RowConverter>()
  #snapshot: CdcStart['snapshot'] | undefined
  #snapshotConverter: RowConverter | undefined
  #position: CdcPosition
  #stream: ReplicationStream | undefined
  #streamError: FerrisError | undefined
  #queue: Item[] = []
  #head = 0
  #wake: (() => void) | undefined
  #xid = 0
  #seq = 0
  /** Rows of this transaction already handed over before a restart: they are dropped when replayed. */
  #resume: { xid: number; skip: number } | undefined
  #confirmed: string | undefined
  /** End LSN of the last commit received, and whether a transaction is open in the stream. */
  #received: bigint
  #committed: bigint
  #inTransaction = false
  #closed = false
  /** Commit LSN of the transaction being received (from its BEGIN). */
  #commitLsn = 0n
  /**
   * A snapshot continued after restarts: its parts, each with the LSN before which its snapshot already
   * shows every commit. Changes to a part's keys committed before that LSN are dropped from the stream.
   */
  #segments: ReadonlyArray<{ readonly lsn: bigint; readonly from?: readonly string[] }> = []
  #segmentsUntil = 0n
  #streamKeys = new Map<number, number[] | undefined>()

  constructor(options: PostgresOptions, context: ConnectorContext, schema: Schema, batchSize: number, start: CdcStart) {
    this.#options = options
    this.#context = context
    this.#schema = schema
    this.#batchSize = batchSize
    this.#start = start
    this.#snapshot = start.snapshot
    this.#position = start.position
    // The start position is durable downstream (a checkpoint, or the slot's own position).
    this.#received = parseLsn(start.position.lsn)
    this.#committed = this.#received
    if (start.position.xid !== undefined && start.position.skip !== undefined) {
      this.#resume = { xid: start.position.xid, skip: start.position.skip }
    }
    this.#setSegments(start.position.snapshots)
  }

  async read(): Promise<ReadResult> {
    this.#checkOpen()
    if (this.#snapshot !== undefined) return this.#readSnapshot(this.#snapshot)
    if (this.#stream === undefined && this.#streamError === undefined) await this.#startStream()
    if (this.#head >= this.#queue.length && this.#streamError === undefined) await this.#waitForData()

    return this.#drain()
  }

  async commit(position: Position): Promise<void> {
    if (!isCdcPosition(position)) throw invalidPosition(this.#context.name, position, 'a change-capture position')
    if (position.phase !== 'stream') return
    this.#confirmed = position.lsn
    const lsn = parseLsn(position.lsn)
    if (lsn > this.#committed) this.#committed = lsn
    this.#stream?.confirm(position.lsn)
  }

  async seek(_position: Position): Promise<void> {
    throw new FerrisError('FERRIS_UNSUPPORTED', `${this.#context.name}: a PostgreSQL change stream cannot seek`, {
      hint: 'Start the reader from the position instead (ReaderOptions.from)',
    })
  }

  hasMore(): boolean {
    return !this.#closed
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#wake?.()
    const snapshot = this.#snapshot
    this.#snapshot = undefined
    await snapshot?.client.end().catch(() => {})
    await this.#stream?.stop()
    this.#stream = undefined
    await this.#start.onClose()
  }

  // -------------------------------------------------------------------------------------------------------

  #checkOpen(): void {
    if (this.#closed) throw new FerrisError('FERRIS_INTERNAL', `${this.#context.name}: the PostgreSQL reader is closed`)
  }

  async #readSnapshot(snapshot: NonNullable<CdcStart['snapshot']>): Promise<ReadResult> {
    let texts: Array<Array<string | null>>
    try {
      texts = await snapshot.cursor.fetch(this.#batchSize)
    } catch (error) {
      throw classifyError(error, this.#context.name, `reading the snapshot of ${this.#start.table}`)
    }
    this.#snapshotConverter ??= new RowConverter(snapshot.cursor.columns ?? [], this.#schema, this.#context.name)
    const keyAt = this.#snapshotKeyIndexes(snapshot.cursor)
    if (keyAt !== undefined && texts.length > 0) {
      const last = texts[texts.length - 1]!
      this.#position = { ...this.#position, after: keyAt.map((i) => last[i] as string) }
    }
    const rows: Row[] = []
    for (const t of texts) {
      try {
        rows.push(this.#snapshotConverter.convert(t))
      } catch (error) {
        this.#context.reportBadRecord({
          error: error as FerrisError,
          origin: this.#context.name,
          position: { snapshot: 'row' },
        })
      }
    }
    if (snapshot.cursor.done) {
      this.#snapshot = undefined
      await snapshot.client.query('COMMIT').catch(() => {})
      await snapshot.client.end().catch(() => {})
      // The snapshot shows every transaction committed before the consistent point; the stream starts there.
      this.#position = this.#streamPosition(this.#position.lsn)
    }
    if (rows.length === 0) return { kind: 'idle', position: this.#position }

    return { kind: 'batch', batch: batchOf(this.#schema, rows), position: this.#position }
  }

  /** Where the key columns sit in the snapshot's rows, when it is read in key order. */
  #snapshotKeyIndexes(cursor: SnapshotCursor): number[] | undefined {
    if (this.#start.key === undefined || this.#position.snapshots === undefined) return undefined
    const at = this.#start.key.indexesIn((cursor.columns ?? []).map((c) => c.name))
    if (at === undefined) {
      throw new FerrisError('FERRIS_INTERNAL', `${this.#context.name}: the snapshot lacks its key columns`, {
        subject: this.#context.name,
        value: this.#start.key.columns.map((c) => c.name),
      })
    }

    return at
  }

  #setSegments(segments: readonly SnapshotSegment[] | undefined): void {
    if (segments === undefined || segments.length < 2) return
    if (
      this.#start.key === undefined ||
      segments.some((s) => s.from?.length !== this.#start.key!.columns.length && s.from !== undefined)
    ) {
      throw new FerrisError(
        'FERRIS_SCHEMA_MISMATCH',
        `${this.#context.name}: the checkpoint continues a snapshot read by primary key, but ${this.#start.table} no longer has that key`,
        {
          subject: this.#context.name,
          value: segments.map((s) => s.from ?? null),
          expected: `a primary key of integer, text or uuid columns like the one the snapshot was read by`,
          hint: 'Restore the primary key, or start the job without its checkpoint to read a new snapshot',
        },
      )
    }
    this.#segments = segments.map((s) => ({ lsn: parseLsn(s.lsn), ...(s.from === undefined ? {} : { from: s.from }) }))
    // Each part's snapshot was taken after the one before, so the last has the highest LSN.
    this.#segmentsUntil = this.#segments[this.#segments.length - 1]!.lsn
  }

  /** A stream position; it carries the snapshot's parts while changes they already show can still come. */
  #streamPosition(lsn: string, xid?: number, skip?: number): CdcPosition {
    const snapshots = this.#start.position.snapshots
    const keep = snapshots !== undefined && snapshots.length > 1 && parseLsn(lsn) < this.#segmentsUntil

    return {
      mode: 'cdc',
      slot: this.#start.slot,
      phase: 'stream',
      lsn,
      ...(xid === undefined ? {} : { xid, skip: skip ?? 0 }),
      ...(keep ? { snapshots } : {}),
    }
  }

  /**
   * True when the part of the snapshot holding this row's key was read from a snapshot that already shows
   * the transaction being received: the change is in what was handed over, so it is dropped.
   */
  #shownBySnapshot(relation: Relation, tuple: readonly TupleValue[]): boolean {
    if (this.#segments.length === 0 || this.#commitLsn >= this.#segmentsUntil) return false
    const key = this.#start.key!
    let at = this.#streamKeys.get(relation.oid)
    if (!this.#streamKeys.has(relation.oid)) {
      at = key.indexesIn(relation.columns.map((c) => c.name))
      this.#streamKeys.set(relation.oid, at)
    }
    const values = at?.map((i) => tuple[i])
    if (values === undefined || values.some((v) => typeof v !== 'string')) {
      throw new FerrisError(
        'FERRIS_SCHEMA_MISMATCH',
        `${this.#context.name}: a change of ${this.#start.table} lacks its primary key columns while a continued snapshot needs them`,
        {
          subject: this.#context.name,
          expected: `the columns ${key.columns.map((c) => c.name).join(', ')}`,
          hint: 'Keep the primary key of a captured table unchanged while its snapshot is being read',
        },
      )
    }
    const texts = values as string[]
    let segment = this.#segments[0]!
    for (let i = this.#segments.length - 1; i > 0; i--) {
      const s = this.#segments[i]!
      if (key.compare(texts, s.from!) > 0) {
        segment = s
        break
      }
    }

    return this.#commitLsn < segment.lsn
  }

  async #startStream(): Promise<void> {
    this.#stream = await ReplicationStream.start({
      options: this.#options,
      subject: this.#context.name,
      slot: this.#start.slot,
      publication: this.#start.publication,
      startLsn: this.#position.lsn,
      onData: (payload) => this.#onData(payload),
      idleAt: () =>
        !this.#inTransaction &&
        this.#head >= this.#queue.length &&
        this.#committed >= this.#received &&
        this.#resume === undefined,
      onEnd: (error) => {
        if (this.#closed) return
        this.#streamError =
          error === undefined
            ? new FerrisError('FERRIS_CONNECTION_FAILED', `${this.#context.name}: the replication stream ended`)
            : classifyError(error, this.#context.name, 'streaming changes')
        this.#wake?.()
      },
    })
    if (this.#confirmed !== undefined) this.#stream.confirm(this.#confirmed)
  }

  #onData(payload: Buffer): void {
    let message: ReturnType<PgoutputDecoder['decode']>
    try {
      message = this.#decoder.decode(payload)
    } catch (error) {
      this.#streamError = classifyError(error, this.#context.name, 'decoding a pgoutput message')
      this.#wake?.()

      return
    }
    switch (message.tag) {
      case 'begin':
        this.#inTransaction = true
        this.#xid = message.xid
        this.#seq = 0
        this.#commitLsn = parseLsn(message.finalLsn)
        return
      case 'commit':
        this.#inTransaction = false
        this.#received = parseLsn(message.endLsn)
        this.#push({ t: 'commit', endLsn: message.endLsn })
        if (this.#resume !== undefined && this.#resume.xid === this.#xid) this.#resume = undefined
        return
      case 'relation':
        if (message.relation.schema === this.#start.schemaName && message.relation.name === this.#start.table) {
          try {
            this.#converters.set(
              message.relation.oid,
              new RowConverter(message.relation.columns, this.#schema, this.#context.name),
            )
          } catch (error) {
            // A column the job reads was dropped or changed type: nothing after this can be read correctly.
            this.#streamError = classifyError(
              error,
              this.#context.name,
              `reading the new definition of ${this.#start.table}`,
            )
            this.#wake?.()
          }
        }
        return
      case 'insert':
        this.#row(message.relation, ChangeKind.INSERT, message.new)
        return
      case 'update': {
        const converter = this.#converters.get(message.relation.oid)
        if (converter === undefined) return
        const full = message.old !== undefined && !message.oldIsKeyOnly
        if (full) this.#row(message.relation, ChangeKind.UPDATE_BEFORE, message.old!)
        this.#row(message.relation, ChangeKind.UPDATE_AFTER, fillUnchanged(message.new, full ? message.old : undefined))
        return
      }
      case 'delete':
        this.#row(message.relation, ChangeKind.DELETE, message.old)
        return
      case 'truncate':
        if (message.relations.some((r) => this.#converters.has(r.oid))) this.#truncated()
        return
      default:
        return
    }
  }

  /**
   * Ferris has no change kind that removes every row, and the reader cannot list the rows a TRUNCATE removed,
   * so it cannot be passed on as changes. Dropping it silently would leave every downstream table with rows
   * the source no longer has; it goes to the bad-record policy instead (the default stops the job), in its
   * place in the stream, so a job that skips it does so knowingly.
   */
  #truncated(): void {
    const seq = this.#seq++
    if (this.#resume !== undefined && this.#resume.xid === this.#xid && seq < this.#resume.skip) return
    const table = this.#start.table
    this.#push({
      t: 'bad',
      xid: this.#xid,
      seq,
      error: new FerrisError(
        'FERRIS_UNSUPPORTED',
        `${this.#context.name}: table ${table} was truncated; a TRUNCATE cannot be passed on as row changes`,
        {
          subject: this.#context.name,
          value: `TRUNCATE ${table}`,
          hint:
            'Downstream tables still hold the removed rows: truncate them too. With the default bad-record policy ' +
            `the job stops here; '${this.#context.name}.bad_records' = 'skip' (or 'dead_letter') goes on past it, ` +
            'and restarting the job without its checkpoint reads a new snapshot',
        },
      ),
    })
  }

  #row(relation: Relation, kind: ChangeKind, tuple: readonly TupleValue[]): void {
    const converter = this.#converters.get(relation.oid)
    if (converter === undefined) return
    try {
      if (this.#shownBySnapshot(relation, tuple)) return
    } catch (error) {
      this.#streamError = error as FerrisError
      this.#wake?.()

      return
    }
    const seq = this.#seq++
    if (this.#resume !== undefined && this.#resume.xid === this.#xid && seq < this.#resume.skip) return
    const missing = tuple.indexOf(UNCHANGED_TOAST)
    if (missing >= 0) {
      const column = relation.columns[missing]!.name
      this.#push({
        t: 'bad',
        xid: this.#xid,
        seq,
        error: new FerrisError(
          'FERRIS_RECORD_MALFORMED',
          `${this.#context.name}: column "${column}" of an updated row is an unchanged TOAST value and the old row was not sent`,
          {
            subject: this.#context.name,
            column,
            hint: `Run ALTER TABLE ... REPLICA IDENTITY FULL on ${relation.name} (or set replica_identity_full=true) so updates carry the old values`,
          },
        ),
      })

      return
    }
    try {
      this.#push({ t: 'row', kind, row: converter.convert(tuple as ReadonlyArray<string | null>), xid: this.#xid, seq })
    } catch (error) {
      this.#push({ t: 'bad', xid: this.#xid, seq, error: error as FerrisError })
    }
  }

  #push(item: Item): void {
    this.#queue.push(item)
    if (this.#queue.length - this.#head > this.#options.max_buffered_changes) this.#stream?.pause()
    this.#wake?.()
  }

  async #waitForData(): Promise<void> {
    const signal = this.#context.signal
    if (signal.aborted) return
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        this.#wake = undefined
        resolve()
      }
      const timer = setTimeout(done, this.#options.poll_interval)
      signal.addEventListener('abort', done, { once: true })
      this.#wake = done
    })
  }

  #drain(): ReadResult {
    if (this.#streamError !== undefined && this.#head >= this.#queue.length) return this.#failStream()
    const rows: Row[] = []
    const kinds: number[] = []
    let position = this.#position
    const queue = this.#queue
    while (this.#head < queue.length && rows.length < this.#batchSize) {
      const item = queue[this.#head++]!
      if (item.t === 'commit') {
        position = this.#streamPosition(item.endLsn)
        continue
      }
      position = this.#streamPosition(position.lsn, item.xid, item.seq + 1)
      if (item.t === 'bad') {
        this.#context.reportBadRecord({
          error: item.error,
          origin: this.#context.name,
          position: { lsn: position.lsn, xid: item.xid, row: item.seq },
        })
        continue
      }
      rows.push(item.row)
      kinds.push(item.kind)
    }
    // A commit right after the last row closes the transaction: the position lands on its boundary.
    while (this.#head < queue.length && queue[this.#head]!.t === 'commit') {
      position = this.#streamPosition((queue[this.#head++] as { endLsn: string }).endLsn)
    }
    if (this.#head === queue.length) {
      this.#queue = []
      this.#head = 0
    } else if (this.#head > 4096) {
      this.#queue = queue.slice(this.#head)
      this.#head = 0
    }
    if (this.#queue.length - this.#head < this.#options.max_buffered_changes / 2) this.#stream?.resume()
    this.#position = position
    if (rows.length === 0) return { kind: 'idle', position }

    return { kind: 'batch', batch: batchOf(this.#schema, rows, { kinds: Uint8Array.from(kinds) }), position }
  }

  /**
   * The connection dropped and everything received before was handed over: the next read reconnects from
   * the last position handed over, and the server replays from there (rows of a half-read transaction are
   * skipped by count).
   */
  #failStream(): never {
    const error = this.#streamError!
    this.#streamError = undefined
    void this.#stream?.stop()
    this.#stream = undefined
    this.#queue = []
    this.#head = 0
    if (this.#position.xid !== undefined) this.#resume = { xid: this.#position.xid, skip: this.#position.skip ?? 0 }
    throw error
  }
}

/** pgoutput sends 'u' for TOAST values an UPDATE did not change; the old row (REPLICA IDENTITY FULL) has them. */
function fillUnchanged(row: readonly TupleValue[], old: readonly TupleValue[] | undefined): TupleValue[] {
  if (old === undefined) return row as TupleValue[]

  return row.map((v, i) => (v === UNCHANGED_TOAST ? (old[i] ?? UNCHANGED_TOAST) : v))
}
