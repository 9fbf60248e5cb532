import {
  type BadRecord,
  batchOf,
  type CommitInfo,
  type DataSink,
  type DataWriter,
  FerrisError,
  type Row,
  toFerrisError,
} from '@ferris/core'
import { deadLetterRow } from './dead-letter-row.js'
import { DEAD_LETTER_SCHEMA } from './dead-letter-schema.js'

export interface DeadLetterQueueOptions {
  /** Any sink: the job creates it from `job.dlq.uri` (or `<name>.dlq.uri`) through the connector registry. */
  readonly sink: DataSink
  /** The job's id; the dead-letter writer gets `<jobId>.dlq` so its dedup tokens differ from the job's output. */
  readonly jobId: string
  /** Rows per write to the sink. */
  readonly batchSize?: number
  /**
   * Most rows held in memory (buffered plus being written). `add` fails beyond it: a source that turns out
   * nothing but bad records must not exhaust memory while the dead-letter sink is slow.
   */
  readonly maxPending?: number
  /** Epoch nanoseconds for `failed_at`; defaults to the wall clock. */
  readonly now?: () => bigint
  /** Where the dead letters go, for messages (no secrets: a URI's user info is removed). */
  readonly target?: string
  /** Milliseconds `open` may take before it fails; 0 for no limit. Defaults to 10 000. */
  readonly openTimeout?: number
}

export interface DeadLetterOpenOptions {
  /**
   * True when the job resumes from a checkpoint: the writer continues after the dead letters its last commit
   * holds. False or absent for a new or `--fresh` run, which starts the sink over where the sink can.
   */
  readonly resume?: boolean
  /** The job's last completed checkpoint id (0 for a new job), handed to the writer as `lastCheckpointId`. */
  readonly lastCheckpointId?: number
}

/**
 * Writes bad records as rows of `DEAD_LETTER_SCHEMA` to a sink, in batches. `add` is synchronous (it is
 * what `ConnectorContext.reportBadRecord` calls, in the middle of a read): it buffers, and a full batch is
 * handed to the writer in the background, one write at a time. A background failure is thrown by the next
 * `add`, `flush` or `commit`.
 *
 * Durability follows the job's checkpoints: call `commit(info)` with every checkpoint, before the source
 * positions are recorded, like any other sink of the job. A record is only counted as dead-lettered once
 * a commit covering it has resolved.
 */
export class DeadLetterQueue {
  readonly #sink: DataSink
  readonly #jobId: string
  readonly #batchSize: number
  readonly #maxPending: number
  readonly #now: () => bigint
  readonly #target: string
  readonly #openTimeout: number
  #writer: DataWriter | undefined
  #buffer: Row[] = []
  #inFlight = 0
  #chain: Promise<void> = Promise.resolve()
  #failure: FerrisError | undefined
  #uncommitted = 0
  #committed = 0
  #closed = false

  constructor(options: DeadLetterQueueOptions) {
    this.#sink = options.sink
    this.#jobId = options.jobId
    this.#batchSize = options.batchSize ?? 500
    this.#maxPending = options.maxPending ?? 100_000
    this.#now = options.now ?? (() => BigInt(Date.now()) * 1_000_000n)
    this.#target = redactUserInfo(options.target ?? 'the dead-letter sink')
    this.#openTimeout = options.openTimeout ?? 10_000
    if (!(this.#batchSize >= 1 && this.#maxPending >= this.#batchSize)) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', 'Dead-letter queue needs 1 ≤ batchSize ≤ maxPending', {
        value: { batchSize: this.#batchSize, maxPending: this.#maxPending },
      })
    }
  }

  /**
   * Opens the sink, checks it can hold the dead-letter rows and creates the writer. Fails with "cannot write
   * dead letters to ..." when that fails, takes longer than `openTimeout`, or `signal` aborts: an open that
   * never settles (Node's recursive mkdir under /proc never does) must not hold the job forever.
   */
  async open(signal?: AbortSignal, options: DeadLetterOpenOptions = {}): Promise<void> {
    const opening = (async () => {
      await this.#sink.open()
      await this.#sink.validateSchema(DEAD_LETTER_SCHEMA)
      const writer = await this.#sink.createWriter({
        schema: DEAD_LETTER_SCHEMA,
        jobId: `${this.#jobId}.dlq`,
        ...(options.lastCheckpointId === undefined ? {} : { lastCheckpointId: options.lastCheckpointId }),
      })
      // Asking a writer where it stands is what makes a resuming one (a file) continue after its last commit
      // rather than start over; without it a restarted job would drop the dead letters of its earlier runs.
      if (options.resume === true) await writer.committedPositions?.()
      return writer
    })()
    let timer: ReturnType<typeof setTimeout> | undefined
    let onAbort: (() => void) | undefined
    const stopped = new Promise<never>((_, reject) => {
      if (this.#openTimeout > 0) {
        timer = setTimeout(
          () => reject(new FerrisError('FERRIS_TIMEOUT', `opening it took longer than ${this.#openTimeout} ms`)),
          this.#openTimeout,
        )
      }
      onAbort = () => reject(new FerrisError('FERRIS_CANCELLED', 'the job stopped while it was being opened'))
      if (signal?.aborted === true) onAbort()
      else signal?.addEventListener('abort', onAbort, { once: true })
    })
    try {
      const writer = await Promise.race([opening, stopped])
      if (this.#closed) {
        await writer.close().catch(() => undefined)
        return
      }
      this.#writer = writer
    } catch (error) {
      // A late writer from an open that lost the race is closed when it comes.
      opening.then((w) => w.close()).catch(() => undefined)
      const cause = toFerrisError(error, 'FERRIS_IO', String(error))
      throw new FerrisError(cause.code, `Cannot write dead letters to ${this.#target}: ${cause.message}`, {
        ...cause.context,
        subject: cause.context.subject ?? this.#target,
        retryable: false,
        cause,
        hint:
          cause.context.hint ??
          "Point 'job.dlq.uri' (or '<name>.dlq.uri') at a place the job can write, or set 'job.bad_records' to 'fail' or 'skip'",
      })
    } finally {
      clearTimeout(timer)
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort)
    }
  }

  /** Rows accepted and not yet covered by a commit. */
  get pending(): number {
    return this.#buffer.length + this.#inFlight + this.#uncommitted
  }

  /** Rows made durable by a commit. */
  get committed(): number {
    return this.#committed
  }

  /** Queues one bad record. Throws a background write failure, or when `maxPending` rows are waiting. */
  add(record: BadRecord): void {
    this.#throwIfFailed()
    const writer = this.#requireWriter()
    if (this.#buffer.length + this.#inFlight >= this.#maxPending) {
      throw new FerrisError(
        'FERRIS_THROTTLED',
        `The dead-letter sink is behind: ${this.#maxPending} bad records are waiting to be written`,
        {
          subject: record.origin,
          retryable: false,
          cause: record.error,
          hint: 'Almost every record is bad: check the source format and schema, or make the dead-letter sink faster',
        },
      )
    }
    this.#buffer.push(deadLetterRow(record, this.#now()))
    if (this.#buffer.length >= this.#batchSize) this.#writeBuffered(writer)
  }

  /** Writes everything buffered and flushes the writer. Nothing is durable before `commit`. */
  async flush(): Promise<void> {
    const writer = this.#requireWriter()
    this.#writeBuffered(writer)
    await this.#chain
    this.#throwIfFailed()
    await writer.flush()
  }

  /** Makes every queued record durable in the dead-letter sink, as part of checkpoint `info`. */
  async commit(info: CommitInfo): Promise<void> {
    await this.flush()
    const covered = this.#uncommitted
    await this.#requireWriter().commit(info)
    this.#uncommitted -= covered
    this.#committed += covered
  }

  /** Drops what was queued since the last commit (the job rolls back to its last checkpoint). */
  async rollback(): Promise<void> {
    const writer = this.#requireWriter()
    this.#buffer = []
    await this.#chain.catch(() => undefined)
    this.#failure = undefined
    this.#uncommitted = 0
    await writer.rollback()
  }

  /** Closes writer and sink without committing. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#chain.catch(() => undefined)
    try {
      await this.#writer?.close()
    } finally {
      await this.#sink.close()
    }
  }

  #writeBuffered(writer: DataWriter): void {
    if (this.#buffer.length === 0) return
    const rows = this.#buffer
    this.#buffer = []
    this.#inFlight += rows.length
    this.#chain = this.#chain.then(async () => {
      try {
        // After a failure the job is going to stop and roll back; later rows are not written, and the
        // failure (thrown by the next call) is what reports them.
        if (this.#failure !== undefined) return
        await writer.write(batchOf(DEAD_LETTER_SCHEMA, rows))
        this.#uncommitted += rows.length
      } catch (error) {
        this.#failure = toFerrisError(error, 'FERRIS_IO', `Writing to the dead-letter sink failed: ${String(error)}`)
      } finally {
        this.#inFlight -= rows.length
      }
    })
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure
  }

  #requireWriter(): DataWriter {
    if (this.#closed) throw new FerrisError('FERRIS_INTERNAL', 'The dead-letter queue is closed')
    if (this.#writer === undefined) {
      throw new FerrisError('FERRIS_INTERNAL', 'The dead-letter queue is used before open()', {
        hint: 'Call open() once before the job starts reading',
      })
    }

    return this.#writer
  }
}

/** `scheme://user:password@host/...` without `user:password@`: messages never carry credentials. */
function redactUserInfo(target: string): string {
  return target.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1')
}
