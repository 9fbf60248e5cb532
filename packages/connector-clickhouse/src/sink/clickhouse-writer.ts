import { randomUUID } from 'node:crypto'
import {
  type CommitInfo,
  type ConnectorContext,
  type DataWriter,
  FerrisError,
  isFerrisError,
  type Position,
  type RecordBatch,
  type Row,
  type Schema,
  type Value,
} from '@ferris/core'
import { classify, classifyError } from '../classify-error.js'
import type { ClickhouseConnection } from '../client/connection.js'
import type { ClickhouseOptions } from '../options.js'
import { qualifiedName, quoteIdentifier } from '../sql/quote.js'
import { type CommitLedger, type LedgerEntry, MARKER_JOB, MARKER_SEQ } from './commit-ledger.js'
import { dedupToken } from './dedup-token.js'

/**
 * Rows encoded as JSONEachRow, kept with the rows so a refused row can go to the bad-record policy. The text
 * is held as one flat string per `write` call: thousands of small line strings kept alive until the
 * checkpoint cost more in garbage collection than the encoding itself. JSON escapes every newline inside a
 * value, so `\n` separates rows and the block can always be split back into lines.
 */
interface Block {
  readonly chunks: string[]
  readonly rows: Row[]
  bytes: number
}

const emptyBlock = (): Block => ({ chunks: [], rows: [], bytes: 0 })

export interface WriterConfig {
  readonly connection: ClickhouseConnection
  readonly context: ConnectorContext
  readonly options: ClickhouseOptions
  readonly schema: Schema
  readonly encode: (row: readonly Value[]) => string
  readonly jobId: string
  /** The server takes `insert_deduplication_token`. */
  readonly tokens: boolean
  /** The table drops a block whose token it has seen: resending after an unclear failure is safe. */
  readonly idempotent: () => boolean
  /**
   * `exactly_once` on a server without tokens: every row carries the job and the number of the commit it
   * belongs to (hidden columns), and `commit` ends with a ledger row. `last` is the ledger's last entry,
   * read (and the rows of any later, unfinished commit deleted) before the writer was made.
   */
  readonly marked?: { readonly ledger: CommitLedger; readonly last: LedgerEntry | undefined }
}

const MAX_BACKOFF_MS = 5_000

/**
 * Buffers encoded rows and inserts them at `commit`, in blocks cut every `batch_rows` rows (or `batch_bytes`)
 * from the start of each checkpoint. Why at commit: the block's de-duplication token then carries the
 * checkpoint id, and a job restarted from the previous checkpoint rebuilds the same blocks with the same
 * tokens, which the server drops. Only when the buffer passes `max_buffer_bytes` are full blocks inserted
 * earlier (see the README for what that costs in deduplication).
 */
export class ClickhouseWriter implements DataWriter {
  readonly #c: WriterConfig
  readonly #sql: string
  readonly #table: string
  #current: Block = emptyBlock()
  #sealed: Block[] = []
  #buffered = 0
  /** Blocks of the current checkpoint already inserted (early), so indexes keep counting. */
  #insertedInEpoch = 0
  #lastCheckpoint: number | undefined
  #closed = false
  /** With markers: the number of the commit the buffered rows belong to, and the text that ends each row. */
  #seq = 0
  #rowEnd = '}\n'
  readonly #settings: Record<string, string | number>

  /** Present only with markers (`exactly_once` before 22.2): the job resumes from the ledger. */
  readonly committedPositions?: () => Promise<Readonly<Record<string, Position>> | undefined>
  readonly committedCheckpoint?: () => Promise<CommitInfo | undefined>

  constructor(config: WriterConfig) {
    this.#c = config
    const { database, table } = config.options
    this.#table = `${database}.${table!}`
    const names = config.schema.fields.map((f) => quoteIdentifier(f.name))
    this.#settings = {}
    const marked = config.marked
    if (marked !== undefined) {
      names.push(quoteIdentifier(MARKER_JOB), quoteIdentifier(MARKER_SEQ))
      this.#settings.insert_allow_materialized_columns = 1
      this.#seq = (marked.last?.seq ?? 0) + 1
      this.#lastCheckpoint = marked.last?.checkpointId
      this.#updateRowEnd()
      this.committedPositions = async () => (await marked.ledger.last())?.positions
      this.committedCheckpoint = async () => {
        const last = await marked.ledger.last()

        return last === undefined ? undefined : { checkpointId: last.checkpointId, positions: last.positions }
      }
    }
    this.#sql = `INSERT INTO ${qualifiedName(database, table!)} (${names.join(', ')}) FORMAT JSONEachRow`
  }

  #updateRowEnd(): void {
    this.#rowEnd = `,${JSON.stringify(MARKER_JOB)}:${JSON.stringify(this.#c.jobId)},${JSON.stringify(MARKER_SEQ)}:${this.#seq}}\n`
  }

  async write(batch: RecordBatch): Promise<void> {
    this.#checkOpen()
    const { batch_rows: maxRows, batch_bytes: maxBytes } = this.#c.options
    const encode = this.#c.encode
    const marked = this.#c.marked !== undefined
    let block = this.#current
    let lines: string[] = []
    let bytes = 0
    const close = () => {
      if (lines.length === 0) return
      block.chunks.push(lines.join(''))
      block.bytes += bytes
      this.#buffered += bytes
      lines = []
      bytes = 0
    }
    for (let i = 0; i < batch.rows.length; i++) {
      const row = batch.rows[i]!
      let line: string
      try {
        line = encode(row)
        // The encoder ends each row with `}\n`; markers go in front of it.
        if (marked) line = line.slice(0, -2) + this.#rowEnd
      } catch (error) {
        this.#reportBad(row, error, batch.meta?.[i]?.offset)
        continue
      }
      lines.push(line)
      block.rows.push(row)
      bytes += line.length
      if (block.rows.length >= maxRows || block.bytes + bytes >= maxBytes) {
        close()
        this.#sealed.push(block)
        block = emptyBlock()
        this.#current = block
      }
    }
    close()
    if (this.#buffered > this.#c.options.max_buffer_bytes) await this.#insertSealed(this.#earlyEpoch())
  }

  /**
   * Inserts full blocks only when the buffer is over its limit: a block inserted before `commit` cannot carry
   * the checkpoint id in its token.
   */
  async flush(): Promise<void> {
    this.#checkOpen()
    if (this.#buffered > this.#c.options.max_buffer_bytes) await this.#insertSealed(this.#earlyEpoch())
  }

  async commit(info: CommitInfo): Promise<void> {
    this.#checkOpen()
    if (this.#current.rows.length > 0) {
      this.#sealed.push(this.#current)
      this.#current = emptyBlock()
    }
    await this.#insertSealed(`${this.#c.jobId}:${info.checkpointId}`)
    const marked = this.#c.marked
    if (marked !== undefined) await this.#record(marked.ledger, info)
    this.#insertedInEpoch = 0
    this.#lastCheckpoint = info.checkpointId
  }

  /**
   * Drops rows not yet inserted. Blocks already inserted under memory pressure stay (ClickHouse has no undo),
   * except with markers: they belong to the unfinished commit, whose rows are deleted before the job replays.
   */
  async rollback(): Promise<void> {
    const inserted = this.#insertedInEpoch > 0
    this.#discard()
    const marked = this.#c.marked
    if (marked !== undefined && inserted) {
      await marked.ledger.removeUnfinished(this.#seq - 1, this.#c.options.request_timeout, this.#c.context.signal)
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    // Not rollback(): a writer closed after a failure leaves the unfinished commit to the next writer's start.
    this.#discard()
    this.#closed = true
  }

  #discard(): void {
    this.#current = emptyBlock()
    this.#sealed = []
    this.#buffered = 0
    this.#insertedInEpoch = 0
  }

  /** The ledger row that finishes commit `#seq`; only then do its rows count. */
  async #record(ledger: CommitLedger, info: CommitInfo): Promise<void> {
    const { retries, retry_backoff: backoff } = this.#c.options
    for (let attempt = 0; ; attempt++) {
      try {
        await ledger.record(this.#seq, info)
        break
      } catch (error) {
        const c = classify(error)
        if (!c.notSent || attempt >= retries || this.#c.context.signal.aborted)
          throw this.#inDoubt(error, 'the commit ledger row')
        await sleep(Math.min(MAX_BACKOFF_MS, backoff * 2 ** attempt), this.#c.context.signal)
      }
    }
    this.#seq++
    this.#updateRowEnd()
  }

  /**
   * With markers, an INSERT that may or may not have stored its rows is not resent: the job stops, and the
   * next start deletes the unfinished commit's rows and resumes from the ledger.
   */
  #inDoubt(error: unknown, what: string): FerrisError {
    const cause = classifyError(error, `inserting ${what} into ${this.#table}`, this.#c.context.name)

    return new FerrisError(cause.code, `${cause.message} (exactly_once: not resent, it may be stored)`, {
      ...cause.context,
      retryable: false,
      cause,
      hint: 'Start the job again: it deletes the rows of the unfinished commit and resumes from the last one in the ledger',
    })
  }

  #earlyEpoch(): string {
    // Limitation: before its first commit, a writer does not know which checkpoint it continues; its early
    // blocks get tokens a replay cannot reproduce, so those few blocks are at-least-once.
    return `${this.#c.jobId}:${this.#lastCheckpoint === undefined ? `early-${randomUUID()}` : this.#lastCheckpoint + 1}`
  }

  async #insertSealed(epoch: string): Promise<void> {
    while (this.#sealed.length > 0) {
      const block = this.#sealed[0]!
      const body = block.chunks.length === 1 ? block.chunks[0]! : block.chunks.join('')
      const token = dedupToken(this.#c.jobId, this.#table, epoch, this.#insertedInEpoch, body)
      await this.#insertBlock(block, body, token)
      this.#sealed.shift()
      this.#insertedInEpoch++
      this.#buffered -= block.bytes
      this.#c.context.metrics.count('records_written', block.rows.length)
      this.#c.context.metrics.count('bytes_written', block.bytes)
    }
  }

  /** One INSERT, tried again while that cannot duplicate rows; a refused block is split to find the bad rows. */
  async #insertBlock(block: Block, body: string, token: string): Promise<void> {
    const { retries, retry_backoff: backoff } = this.#c.options
    const settings = this.#c.tokens ? { ...this.#settings, insert_deduplication_token: token } : this.#settings
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#c.connection.insert(this.#sql, body, settings, `${token.slice(0, 60)}-${randomUUID()}`)

        return
      } catch (error) {
        const c = classify(error)
        if (c.code === 'FERRIS_RECORD_MALFORMED') return this.#split(block, token, error)
        // Resending is safe when the request never left (connection refused), or when the server drops a
        // repeated token. Otherwise the rows may be stored already: leave the decision to the job.
        const safe = c.notSent || (this.#c.idempotent() && c.retryable)
        if (!safe || attempt >= retries || this.#c.context.signal.aborted) {
          if (this.#c.marked !== undefined && !c.notSent) throw this.#inDoubt(error, `${block.rows.length} rows`)
          throw classifyError(error, `inserting ${block.rows.length} rows into ${this.#table}`, this.#c.context.name)
        }
        this.#c.context.logger.log('warn', `Retrying an insert into ${this.#table}`, {
          attempt: attempt + 1,
          error: error instanceof Error ? error.message : String(error),
        })
        this.#c.context.metrics.count('insert_retries')
        await sleep(Math.min(MAX_BACKOFF_MS, backoff * 2 ** attempt), this.#c.context.signal)
      }
    }
  }

  /**
   * The server refused the block for its data. It names the row on some errors and not on others (18.16 says
   * nothing for an unknown Enum value), so halve the block until the refused rows stand alone; the halves
   * that pass are stored, each with a token derived from the parent's, so a replay splits the same way.
   */
  async #split(block: Block, token: string, error: unknown): Promise<void> {
    if (block.rows.length === 1) {
      this.#reportBad(block.rows[0]!, classifyError(error, `inserting a row into ${this.#table}`, this.#c.context.name))

      return
    }
    const lines = block.chunks.join('').split('\n')
    lines.pop() // the text ends with a newline
    const mid = Math.ceil(lines.length / 2)
    const halves: Block[] = [
      { chunks: [`${lines.slice(0, mid).join('\n')}\n`], rows: block.rows.slice(0, mid), bytes: 0 },
      { chunks: [`${lines.slice(mid).join('\n')}\n`], rows: block.rows.slice(mid), bytes: 0 },
    ]
    for (const [i, half] of halves.entries()) {
      await this.#insertBlock(half, half.chunks[0]!, `${token}/${i}`)
    }
  }

  #reportBad(row: Row, error: unknown, offset?: bigint): void {
    const names = this.#c.schema.names
    const values: Record<string, Value> = {}
    names.forEach((n, i) => {
      values[n] = row[i] ?? null
    })
    const cause = isFerrisError(error) ? error : classifyError(error, `encoding a row for ${this.#table}`)
    this.#c.context.reportBadRecord({
      error: new FerrisError(cause.code, `Row refused by ClickHouse sink ${this.#c.context.name}: ${cause.message}`, {
        ...cause.context,
        subject: cause.context.subject ?? this.#c.context.name,
        retryable: false,
        cause,
      }),
      values,
      origin: this.#c.context.name,
      ...(offset === undefined ? {} : { position: { offset } }),
    })
    this.#c.context.metrics.count('records_rejected')
  }

  #checkOpen(): void {
    if (this.#closed) throw new FerrisError('FERRIS_INTERNAL', `ClickHouse writer for ${this.#table} is closed`)
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
