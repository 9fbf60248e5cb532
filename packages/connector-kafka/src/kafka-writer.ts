import {
  ChangeKind,
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
import { type MessageEncoder, valueToJson } from '@ferris/formats'
import type { Admin, CompressionTypes, Message, Producer, Transaction } from 'kafkajs'
import { classifyError } from './classify-error.js'
import { sleep } from './kafka-client.js'
import { type ColumnLayout, headersToKafka, type KeyFormat, valueToKey } from './metadata-columns.js'
import { parsePosition, positionOf } from './positions.js'

export interface KafkaWriterSetup {
  readonly producer: Producer
  readonly admin: Admin
  readonly topic: string
  readonly schema: Schema
  readonly layout: ColumnLayout
  readonly encoder: MessageEncoder
  /** Row position of the key column, if any. */
  readonly keyIndex: number | undefined
  readonly keyFormat: KeyFormat
  readonly staticHeaders: Readonly<Record<string, string>>
  readonly compression: CompressionTypes
  readonly acks: number
  readonly transactional: boolean
  /** Exactly-once consume-transform-produce: the source group whose offsets go into each transaction. */
  readonly offsetsGroupId: string | undefined
  readonly offsetsSource: string | undefined
  readonly reconnectTimeout: number
  /**
   * Without transactions: the most bytes of encoded messages held while a send is in flight; a `write` that
   * finds more waits for the send (backpressure). The bound of the writer's memory.
   */
  readonly maxBufferedBytes: number
  /** Called when a batch brings its own key (`keyFields`): the sink then reports upserts. */
  readonly onKeyFields?: () => void
}

/** The most bytes one send carries: each partition's share is one record batch, which a broker caps at 1 MiB by default. */
const MAX_SEND_BYTES = 1_000_000
/**
 * The most messages one send carries. kafkajs groups a send's messages by partition by copying each
 * partition's list once per message (quadratic in the messages per partition), so huge sends cost more CPU
 * than the round trips they save.
 */
const MAX_SEND_MESSAGES = 1024
/** Bytes a message costs beside its key, value and headers (record framing), for the buffer's accounting. */
const RECORD_OVERHEAD = 24

/**
 * Writes rows as messages of one topic.
 *
 * Without transactions, `write` encodes the batch and queues its messages; one send is in flight at a time
 * (the idempotent producer's sequence numbers stay in order), and when it is acknowledged the next carries
 * everything queued meanwhile (up to about 1 MB). Encoding and reading the next batches thus overlap the wait
 * for acknowledgements, and sends grow with the load instead of following the job's batch size. A `write` that
 * finds more than one send's worth of messages or `maxBufferedBytes` queued waits for the send in flight. `flush` and `commit` wait until every
 * queued message is acknowledged (acks=all by default), so the job commits source positions only after the
 * messages they cover are durable. Brokers that went away are retried with backoff for `reconnect_timeout`;
 * a send that still fails breaks the writer: every later call throws a non-retryable error, and the job
 * restarts from its last checkpoint (queued messages are not lost silently). With transactions (`exactly_once`),
 * `write` sends inside the open transaction and `commit` commits it, with the source's offsets in it when
 * `offsets_group_id` names the source's consumer group: then output and input progress become visible
 * together or not at all.
 *
 * Change kinds follow the keyed-changelog convention of compacted topics (Debezium, Flink's upsert-kafka):
 * INSERT and UPDATE_AFTER rows are messages under their key, UPDATE_BEFORE rows are not sent (a consumer could
 * not tell the old values from a new version of the row), DELETE rows are tombstones (the key, a null value).
 * The key is the key column (`key_column`, else `_key`), else the batch's `keyFields`. Without a key, DELETE and
 * UPDATE_BEFORE rows cannot be expressed and go to the bad-record policy.
 */
export class KafkaWriter implements DataWriter {
  readonly #s: KafkaWriterSetup
  readonly #context: ConnectorContext
  #txn: Transaction | undefined
  #prepared = false
  #closed = false
  /** Messages encoded but not yet handed to a send, and their approximate size. */
  #queued: Message[] = []
  /** Index of the first message of `#queued` not yet handed to a send. */
  #head = 0
  #queuedBytes = 0
  /** The send in flight; it starts the next one when it ends. Never rejects: failures land in `#failure`. */
  #inFlight: Promise<void> | undefined
  #failure: FerrisError | undefined

  constructor(setup: KafkaWriterSetup, context: ConnectorContext) {
    this.#s = setup
    this.#context = context
  }

  async write(batch: RecordBatch): Promise<void> {
    if (!this.#prepared) {
      await this.#s.encoder.prepare()
      this.#prepared = true
    }
    this.#throwIfFailed()
    const messages = this.#toMessages(batch)
    if (messages.length === 0) return
    if (this.#s.transactional) {
      const txn = await this.#transaction()
      try {
        await txn.send({ topic: this.#s.topic, messages, compression: this.#s.compression, acks: -1 })
      } catch (error) {
        // Limitation: a send that fails inside a transaction is not retried here; the job rolls back and replays.
        throw classifyError(error, `writing to ${this.#s.topic} in a transaction`)
      }
      return
    }
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!
      this.#queued.push(m)
      this.#queuedBytes += messageBytes(m)
    }
    this.#pump()
    // Backpressure: behind the send in flight, the queue holds about the next send (MAX_SEND_MESSAGES), and
    // never more than maxBufferedBytes. More would not make sends faster, only keep more objects alive for the
    // garbage collector to copy.
    while (
      (this.#queuedBytes > this.#s.maxBufferedBytes || this.#queued.length - this.#head > MAX_SEND_MESSAGES) &&
      this.#inFlight !== undefined
    )
      await this.#inFlight
    this.#throwIfFailed()
  }

  /** Starts a send of the queued messages unless one is in flight (it starts the next itself when it ends). */
  #pump(): void {
    const q = this.#queued
    const head = this.#head
    if (this.#inFlight !== undefined || head >= q.length || this.#failure !== undefined) return
    let bytes = this.#queuedBytes
    let end = q.length
    if (bytes > MAX_SEND_BYTES || end - head > MAX_SEND_MESSAGES) {
      bytes = 0
      end = head
      const most = Math.min(q.length, head + MAX_SEND_MESSAGES)
      while (end < most && (end === head || bytes + messageBytes(q[end]!) <= MAX_SEND_BYTES)) {
        bytes += messageBytes(q[end]!)
        end++
      }
    }
    const messages = head === 0 && end === q.length ? q : q.slice(head, end)
    if (end === q.length) {
      this.#queued = []
      this.#head = 0
    } else if (end > 4096 && end * 2 > q.length) {
      // Drop the sent front now and then, so a queue that never empties does not keep it (amortised O(1)).
      this.#queued = q.slice(end)
      this.#head = 0
    } else {
      this.#head = end
    }
    this.#queuedBytes -= bytes
    const what = `writing to ${this.#s.topic}`
    this.#inFlight = this.#retrying(what, () =>
      this.#s.producer.send({ topic: this.#s.topic, messages, compression: this.#s.compression, acks: this.#s.acks }),
    ).then(
      () => {
        this.#inFlight = undefined
        this.#context.metrics.count('kafka_messages_written', messages.length, {
          sink: this.#context.name,
          topic: this.#s.topic,
        })
        this.#pump()
      },
      (error: unknown) => {
        this.#inFlight = undefined
        const cause = isFerrisError(error) ? error : classifyError(error, what)
        // Not retryable: the messages of this send were handed over by earlier calls, so calling the failed one
        // again could not bring them back. The job restarts from the last checkpoint and replays them.
        this.#failure = new FerrisError(
          cause.code,
          `${this.#context.name}: ${cause.message}; messages written since the last checkpoint may not have reached Kafka`,
          {
            ...cause.context,
            subject: this.#context.name,
            hint: 'The job restarts from its last checkpoint and writes them again (at-least-once)',
            cause,
            retryable: false,
          },
        )
        this.#queued = []
        this.#head = 0
        this.#queuedBytes = 0
      },
    )
  }

  /** Waits until every queued message is acknowledged, or throws the failure of a send. */
  async #drain(): Promise<void> {
    for (;;) {
      this.#throwIfFailed()
      this.#pump()
      if (this.#inFlight === undefined) return
      await this.#inFlight
    }
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure
  }

  #toMessages(batch: RecordBatch): Message[] {
    const { layout, schema, keyFormat, staticHeaders } = this.#s
    const vi = layout.valueIndex
    const mc = layout.meta
    const keyOf = this.#keyOf(batch)
    const kinds = batch.kinds
    const headersType = mc._headers === undefined ? undefined : schema.fields[mc._headers]!.type
    const tsType = mc._timestamp === undefined ? undefined : schema.fields[mc._timestamp]!.type
    const valueRow: Value[] = new Array(vi.length)
    const out: Message[] = []
    const rows = batch.rows
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!
      const kind = kinds === undefined ? ChangeKind.INSERT : kinds[r]!
      try {
        if (kind === ChangeKind.UPDATE_BEFORE) {
          if (keyOf === undefined) throw this.#keyless('UPDATE_BEFORE')
          continue
        }
        const message: Message = { value: null }
        if (keyOf !== undefined) message.key = keyOf(row, keyFormat)
        if (kind === ChangeKind.DELETE) {
          if (keyOf === undefined) throw this.#keyless('DELETE')
          if (message.key === null || message.key === undefined) {
            throw new FerrisError('FERRIS_RECORD_MALFORMED', `${this.#context.name}: a DELETE row has a null key`, {
              subject: this.#context.name,
              hint: 'A tombstone needs a key: make sure the key column is never null',
            })
          }
        } else {
          for (let i = 0; i < vi.length; i++) valueRow[i] = row[vi[i]!] ?? null
          message.value = this.#s.encoder.encode(valueRow)
        }
        const headers = headersToKafka(
          mc._headers === undefined ? null : (row[mc._headers] ?? null),
          headersType,
          staticHeaders,
        )
        if (headers !== undefined) message.headers = headers as never
        if (mc._timestamp !== undefined) {
          const ts = row[mc._timestamp]
          if (typeof ts === 'bigint') message.timestamp = (tsType!.kind === 'int64' ? ts : ts / 1_000_000n).toString()
        }
        if (mc._partition !== undefined) {
          const p = row[mc._partition]
          if (p !== null && p !== undefined) message.partition = Number(p)
        }
        out.push(message)
      } catch (error) {
        const e = isFerrisError(error)
          ? error
          : new FerrisError('FERRIS_TYPE_CONVERSION', String(error), { cause: error })
        this.#context.reportBadRecord({
          error: e,
          values: Object.fromEntries(schema.names.map((n, i) => [n, row[i] ?? null])),
          origin: this.#context.name,
        })
      }
    }

    return out
  }

  /** The message key of a row: the key column, else the batch's key fields (a JSON object when several). */
  #keyOf(batch: RecordBatch): ((row: Row, format: KeyFormat) => Buffer | string | null) | undefined {
    const { keyIndex, schema } = this.#s
    if (keyIndex !== undefined) {
      const type = schema.fields[keyIndex]!.type
      return (row, format) => valueToKey(row[keyIndex] ?? null, type, format)
    }
    const fields = batch.keyFields
    if (fields === undefined || fields.length === 0) return undefined
    this.#s.onKeyFields?.()
    if (fields.length === 1) {
      const f = fields[0]!
      const type = batch.schema.fields[f]!.type
      return (row, format) => valueToKey(row[f] ?? null, type, format)
    }
    // Several key fields: one JSON object, as Debezium's keys, whatever key_format says (text has no structure).
    const parts = fields.map((f) => ({
      f,
      name: JSON.stringify(batch.schema.fields[f]!.name),
      type: batch.schema.fields[f]!.type,
    }))
    return (row) => `{${parts.map((p) => `${p.name}:${valueToJson(row[p.f] ?? null, p.type)}`).join(',')}}`
  }

  #keyless(kind: string): FerrisError {
    return new FerrisError(
      'FERRIS_UNSUPPORTED',
      `${this.#context.name}: a ${kind} row needs a message key, and the sink has none`,
      {
        subject: `${this.#context.name}.key_column`,
        value: kind,
        expected: 'a key column, so deletes become tombstones and old values of updates are left out',
        hint: `Set '${this.#context.name}.key_column' to the column that identifies a row (e.g. the primary key)`,
      },
    )
  }

  async #transaction(): Promise<Transaction> {
    if (this.#txn === undefined || !this.#txn.isActive()) {
      try {
        this.#txn = await this.#s.producer.transaction()
      } catch (error) {
        throw classifyError(error, 'beginning a transaction')
      }
    }

    return this.#txn
  }

  /** Sends everything queued and waits for the acknowledgements. */
  async flush(): Promise<void> {
    await this.#drain()
  }

  async commit(info: CommitInfo): Promise<void> {
    if (!this.#s.transactional) {
      // Durable when this resolves: every message written so far is acknowledged.
      await this.#drain()
      return
    }
    const offsets = this.#sourceOffsets(info)
    if (this.#txn === undefined && offsets === undefined) return
    const txn = await this.#transaction()
    try {
      if (offsets !== undefined && offsets.length > 0) {
        await txn.sendOffsets({ consumerGroupId: this.#s.offsetsGroupId!, topics: offsets })
      }
      await txn.commit()
      this.#txn = undefined
    } catch (error) {
      throw classifyError(error, `committing the transaction of checkpoint ${info.checkpointId}`)
    }
    this.#context.logger.log('debug', 'Kafka transaction committed', {
      checkpoint: info.checkpointId,
      topic: this.#s.topic,
    })
  }

  /** The source positions to commit inside the transaction, as kafkajs wants them. */
  #sourceOffsets(
    info: CommitInfo,
  ): Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> | undefined {
    if (this.#s.offsetsGroupId === undefined) return undefined
    const names = Object.keys(info.positions)
    // A job stopped before its first read has no position yet: there is nothing to commit for the source.
    if (names.length === 0) return undefined
    const name = this.#s.offsetsSource ?? (names.length === 1 ? names[0] : undefined)
    if (name === undefined || info.positions[name] === undefined) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        this.#s.offsetsSource === undefined
          ? `${this.#context.name}: offsets_group_id names no source, and the job's commit carries positions of ${names.join(', ')}`
          : `${this.#context.name}: the transactions commit the offsets of source ${this.#s.offsetsSource}, but the job's commit carries positions of ${names.join(', ')}`,
        {
          subject: `${this.#context.name}.offsets_source`,
          value: this.#s.offsetsSource ?? names.join(','),
          expected: 'the name of the Kafka source whose group offsets go into the transaction',
          hint: `Set '${this.#context.name}.offsets_source' to the Kafka source's name`,
        },
      )
    }
    const map = parsePosition(info.positions[name]!, `${this.#context.name} offsets of ${name}`)

    return [...map].map(([topic, parts]) => ({
      topic,
      partitions: [...parts].map(([partition, offset]) => ({ partition, offset: offset.toString() })),
    }))
  }

  async rollback(): Promise<void> {
    const txn = this.#txn
    this.#txn = undefined
    if (txn?.isActive() === true) {
      try {
        await txn.abort()
      } catch (error) {
        throw classifyError(error, 'aborting the transaction')
      }
    }
  }

  /**
   * With offsets in transactions, the group's committed offsets are the positions the output reflects. kafkajs
   * cannot ask for stable offsets (OffsetFetch's require_stable), so this relies on being called after the
   * producer connected: its InitProducerId completes any transaction of this id still in flight (a killed
   * job's commit or abort), so no offset commit of ours is pending when the job asks where to resume.
   */
  async committedPositions(): Promise<Readonly<Record<string, Position>> | undefined> {
    if (this.#s.offsetsGroupId === undefined || this.#s.offsetsSource === undefined) return undefined
    try {
      const found = await this.#s.admin.fetchOffsets({ groupId: this.#s.offsetsGroupId })
      const map = new Map<string, Map<number, bigint>>()
      for (const { topic, partitions } of found) {
        const m = new Map<number, bigint>()
        for (const { partition, offset } of partitions) if (Number(offset) >= 0) m.set(partition, BigInt(offset))
        if (m.size > 0) map.set(topic, m)
      }
      if (map.size === 0) return undefined

      return { [this.#s.offsetsSource]: positionOf(map) }
    } catch (error) {
      throw classifyError(error, `reading the offsets of group ${this.#s.offsetsGroupId}`)
    }
  }

  /**
   * Does not commit: queued messages not yet sent are dropped, and a send in flight is not waited for (it ends
   * when the producer disconnects, and stops retrying); the job replays from its last checkpoint.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#queued = []
    this.#head = 0
    this.#queuedBytes = 0
    await this.rollback().catch(() => {})
  }

  /** Runs `op`, waiting out retryable failures (a broker restarting) with backoff for `reconnect_timeout`. */
  async #retrying<T>(what: string, op: () => Promise<T>): Promise<T> {
    const started = Date.now()
    let delay = 250
    for (let attempt = 1; ; attempt++) {
      try {
        return await op()
      } catch (error) {
        const e = classifyError(error, what)
        const waited = Date.now() - started
        if (!e.retryable || waited + delay > this.#s.reconnectTimeout || this.#context.signal.aborted || this.#closed)
          throw e
        this.#context.logger.log('warn', `Kafka: ${what} failed; retrying in ${delay} ms`, {
          attempt,
          error: e.message,
        })
        await sleep(delay, this.#context.signal)
        delay = Math.min(delay * 2, 10_000)
      }
    }
  }
}

/** About the bytes a message takes in a send: key, value and headers (text counted by its length), plus the record framing. */
function messageBytes(m: Message): number {
  let n = RECORD_OVERHEAD
  if (m.value != null) n += m.value.length
  if (m.key != null) n += m.key.length
  if (m.headers !== undefined) {
    for (const [k, v] of Object.entries(m.headers)) {
      n += k.length
      if (Array.isArray(v)) for (const e of v) n += e == null ? 0 : e.length
      else if (v != null) n += v.length
    }
  }

  return n
}
