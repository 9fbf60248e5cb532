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
  /** Called when a batch brings its own key (`keyFields`): the sink then reports upserts. */
  readonly onKeyFields?: () => void
}

/**
 * Writes rows as messages of one topic.
 *
 * Without transactions, `write` sends each batch with one request per partition leader and waits for the
 * acknowledgements (acks=all by default), so everything written is durable when `write` resolves; brokers
 * that went away are retried with backoff for `reconnect_timeout`. With transactions (`exactly_once`),
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

  constructor(setup: KafkaWriterSetup, context: ConnectorContext) {
    this.#s = setup
    this.#context = context
  }

  async write(batch: RecordBatch): Promise<void> {
    if (!this.#prepared) {
      await this.#s.encoder.prepare()
      this.#prepared = true
    }
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
    await this.#retrying(`writing to ${this.#s.topic}`, () =>
      this.#s.producer.send({ topic: this.#s.topic, messages, compression: this.#s.compression, acks: this.#s.acks }),
    )
    this.#context.metrics.count('kafka_messages_written', messages.length, {
      sink: this.#context.name,
      topic: this.#s.topic,
    })
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
  #keyOf(batch: RecordBatch): ((row: Row, format: KeyFormat) => Buffer | null) | undefined {
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
    return (row) =>
      Buffer.from(`{${parts.map((p) => `${p.name}:${valueToJson(row[p.f] ?? null, p.type)}`).join(',')}}`, 'utf8')
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

  async flush(): Promise<void> {
    // Every send is awaited in write: nothing is buffered here.
  }

  async commit(info: CommitInfo): Promise<void> {
    if (!this.#s.transactional) return
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

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
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
        if (!e.retryable || waited + delay > this.#s.reconnectTimeout || this.#context.signal.aborted) throw e
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
