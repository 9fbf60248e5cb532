import {
  batchOf,
  ChangeKind,
  type ConnectorContext,
  type DataReader,
  type DataType,
  FerrisError,
  type Header,
  isFerrisError,
  type Position,
  type ReadResult,
  type RecordMeta,
  type Row,
  type Schema,
  splitName,
  type Value,
} from '@ferris/core'
import type { MessageDecoder } from '@ferris/formats'
import type { Admin, Consumer, KafkaMessage } from 'kafkajs'
import { CatchUp } from './catch-up.js'
import { classifyError } from './classify-error.js'
import { kafkaRecordMeta } from './kafka-record-meta.js'
import { MessageQueue, type QueuedBatch } from './message-queue.js'
import { type ColumnLayout, headersFromKafka, headersToValue, type KeyFormat, keyToValue } from './metadata-columns.js'
import { type OffsetMap, parsePosition, positionOf, tpKey } from './positions.js'

/** A message's offset, exact: through a double when that is exact (always, for real offsets), else from its text. */
function offsetOf(m: KafkaMessage): bigint {
  const n = Number(m.offset)
  return Number.isSafeInteger(n) ? BigInt(n) : BigInt(m.offset)
}

/** What one `read()` decodes: rows with their metadata in step, and (for a changelog only) their change kinds. */
interface Decoded {
  readonly rows: Row[]
  readonly meta: RecordMeta[]
  readonly kinds: number[]
}

/** How long the first group join may take before the reader says it is still waiting. */
const JOIN_NOTICE_MS = 3_000

/** How long `eachBatch` holds kafkajs back while the queue is full before pausing the partitions instead. */
const ROOM_WAIT_MS = 1_000

export interface KafkaReaderSetup {
  readonly consumer: Consumer
  readonly admin: Admin
  readonly topics: readonly string[]
  readonly groupId: string
  readonly schema: Schema
  readonly layout: ColumnLayout
  readonly decoder: MessageDecoder
  readonly keyFormat: KeyFormat
  readonly batchSize: number
  readonly maxQueued: number
  readonly maxWait: number
  readonly reconnectTimeout: number
  /** Where partitions start on the first assignment: a checkpoint's position or start_offsets/start_timestamp. */
  readonly startAt: OffsetMap
  /** With `bounded`: the end offset of every partition of every topic, taken when the source opened. */
  readonly ends?: OffsetMap
  /**
   * The end offset of every partition that held messages when the reader was created (see `catchUpTargets`),
   * for `caughtUp`.
   */
  readonly catchUpTo: OffsetMap
  /** Where partitions with no committed offset and no `startAt` begin, for bounded completion checks. */
  readonly fromBeginning: boolean
  /**
   * `changelog=true`: the topic is a keyed changelog. A null value (tombstone) is a DELETE of its key, every
   * other message an UPDATE_AFTER (an upsert of its key).
   */
  readonly changelog?: boolean
  /** With `changelog`: the row position of the column the key fills in tombstones (the source's key_column). */
  readonly keyColumn?: number
}

/**
 * Reads one consumer group member's share of the topics.
 *
 * kafkajs runs its own fetch loop; `eachBatch` only queues each fetched batch (no per-message await) and,
 * once `maxQueued` messages wait, holds kafkajs back until `read()` makes room (see `#waitForRoom`; after a
 * second it pauses every assigned partition instead, resuming them when `read()` has drained the queue to
 * half). The queue holds at most `maxQueued` messages plus one fetched batch. `read()` decodes up to `batchSize` queued messages and advances the position, which
 * holds for each partition the offset after the last message handed over. Nothing is committed to the group
 * until the job calls `commit` (autoCommit is off).
 *
 * Rebalances: a GROUP_JOIN event brings the new assignment. Queued messages and positions of revoked
 * partitions are dropped (their new owner resumes from the group's committed offset). Partitions this
 * member keeps are sought back to the position already handed over, since a restarted kafkajs consumer would
 * otherwise resume from the committed offset and hand over the same messages twice.
 */
export class KafkaReader implements DataReader {
  readonly #s: KafkaReaderSetup
  readonly #context: ConnectorContext
  readonly #queue = new MessageQueue()
  readonly #positions: OffsetMap = new Map()
  /** The end of each partition as of its last fetch, for the `consumer_lag` gauge. */
  readonly #highWatermarks = new Map<string, { topic: string; partition: number; end: bigint }>()
  #assigned = new Set<string>()
  #assignment: Array<{ topic: string; partitions: number[] }> = []
  #paused = false
  #wake: (() => void) | undefined
  /** Ends the wait of an `eachBatch` held back while the queue is full. */
  #room: (() => void) | undefined
  /** Ends the hold of an `eachBatch` once everything of a bounded read is fetched (see `#holdWhileAllFetched`). */
  #release: (() => void) | undefined
  #failure: FerrisError | undefined
  #ended = false
  #closed = false
  #initializing: Promise<void> = Promise.resolve()
  #crashedAt: number | undefined
  #seekAfterJoin = new Map<string, bigint>()
  readonly #catchUp: CatchUp
  // Per-message decisions made once: the types of the metadata columns, and whether a decoded value is the row.
  readonly #keyType: DataType | undefined
  readonly #timestampIsInt64: boolean
  readonly #partitionIsInt64: boolean
  readonly #valueIsRow: boolean
  #lastTimestampText: string | undefined
  /** When `#othersDone` last asked the group, and whether it has said it waits. */
  #othersAskedAt = 0
  #toldWaiting = false
  #lastTimestamp = 0n

  constructor(setup: KafkaReaderSetup, context: ConnectorContext) {
    this.#s = setup
    this.#context = context
    const { layout, schema } = setup
    const mc = layout.meta
    this.#keyType = mc._key === undefined ? undefined : schema.fields[mc._key]!.type
    this.#timestampIsInt64 = mc._timestamp !== undefined && schema.fields[mc._timestamp]!.type.kind === 'int64'
    this.#partitionIsInt64 = mc._partition !== undefined && schema.fields[mc._partition]!.type.kind === 'int64'
    this.#valueIsRow = layout.valueIndex.length === schema.length && layout.valueIndex.every((index, i) => index === i)
    for (const [topic, parts] of setup.startAt) for (const [p, o] of parts) this.#seekAfterJoin.set(tpKey(topic, p), o)
    this.#catchUp = new CatchUp(setup.catchUpTo)
  }

  /** Subscribes and starts kafkajs's fetch loop; resolves once the loop runs (not once partitions are assigned). */
  async start(): Promise<void> {
    const { consumer } = this.#s
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.#onJoin(e.payload.memberAssignment))
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      // Batches holding only control records or aborted messages never reach eachBatch; the position must still
      // move past them, or a bounded read would wait for offsets it can never see.
      if (e.payload.batchSize === 0)
        this.#pushBatch(e.payload.topic, e.payload.partition, [], BigInt(e.payload.lastOffset) + 1n)
    })
    consumer.on(consumer.events.CRASH, (e) => {
      const error = classifyError(e.payload.error, `reading ${this.#s.topics.join(', ')}`)
      if (e.payload.restart) {
        this.#crashedAt ??= Date.now()
        this.#context.logger.log('warn', 'Kafka consumer lost its connection; reconnecting', { error: error.message })
      } else {
        this.#fail(error)
      }
    })
    consumer.on(consumer.events.FETCH, () => {
      this.#crashedAt = undefined
    })
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, isStale, heartbeat }) => {
        if (isStale() || !this.#assigned.has(tpKey(batch.topic, batch.partition))) return
        this.#highWatermarks.set(tpKey(batch.topic, batch.partition), {
          topic: batch.topic,
          partition: batch.partition,
          end: BigInt(batch.highWatermark),
        })
        this.#pushBatch(batch.topic, batch.partition, batch.messages, BigInt(batch.lastOffset()) + 1n)
        await this.#waitForRoom(heartbeat, isStale)
        await this.#holdWhileAllFetched(heartbeat, isStale)
      },
    })
    // A restart after a crash waits, silently in kafkajs, for the dead process's member to leave the group.
    const joining = setTimeout(() => {
      if (this.#assignment.length > 0 || this.#closed) return
      this.#context.logger.log('info', 'Kafka: still joining the consumer group', {
        group: this.#s.groupId,
        hint: 'A member of a stopped process stays in the group until its session times out (session_timeout)',
      })
    }, JOIN_NOTICE_MS)
    joining.unref()
  }

  #pushBatch(topic: string, partition: number, messages: KafkaMessage[], end: bigint): void {
    const key = tpKey(topic, partition)
    if (!this.#assigned.has(key)) return
    let kept = messages
    let stop = end
    const limit = this.#s.ends?.get(topic)?.get(partition)
    if (limit !== undefined) {
      // Bounded: nothing at or past the end offset taken when the job started.
      if (stop > limit) stop = limit
      if (messages.length > 0 && BigInt(messages[messages.length - 1]!.offset) >= limit)
        kept = messages.filter((m) => BigInt(m.offset) < limit)
    }
    this.#queue.push(topic, partition, kept, stop)
    this.#wake?.()
  }

  /**
   * Backpressure for kafkajs's fetch loop: while the queue is full, `eachBatch` does not return (kafkajs
   * fetches on only once it does), heartbeating meanwhile. This keeps fetching back to back with `read()`:
   * pausing partitions instead costs a whole `max_wait` after they are resumed, as kafkajs's loop sleeps that
   * long whenever every partition is paused. Only when the queue stays full for `ROOM_WAIT_MS` (the job is
   * stalled, e.g. a sink waiting for its system) are the partitions paused and `eachBatch` let go, so kafkajs
   * keeps the group membership alive on its own.
   */
  async #waitForRoom(heartbeat: () => Promise<void>, isStale: () => boolean): Promise<void> {
    const started = Date.now()
    while (this.#queue.size >= this.#s.maxQueued && !this.#closed && this.#failure === undefined && !isStale()) {
      if (Date.now() - started >= ROOM_WAIT_MS) {
        if (!this.#paused) this.#pauseAll()
        return
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 100)
        function done() {
          clearTimeout(timer)
          resolve()
        }
        this.#room = done
      })
      this.#room = undefined
      try {
        await heartbeat()
      } catch {
        // A rebalance or a lost coordinator: let kafkajs handle it once eachBatch returns.
        return
      }
    }
  }

  /**
   * A bounded read that has fetched every assigned partition to its end needs nothing more from kafkajs:
   * `eachBatch` holds its fetch loop here (heartbeating) until the reader closes, seeks or a rebalance comes.
   * Otherwise kafkajs would send one more fetch, which the broker holds for `max_wait` as nothing new arrives,
   * and the consumer's disconnect at the end of the job waits for it.
   */
  async #holdWhileAllFetched(heartbeat: () => Promise<void>, isStale: () => boolean): Promise<void> {
    while (!this.#closed && this.#failure === undefined && !isStale() && this.#allFetched()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 1_000)
        function done() {
          clearTimeout(timer)
          resolve()
        }
        this.#release = done
      })
      this.#release = undefined
      if (this.#closed) return
      try {
        await heartbeat()
      } catch {
        // A rebalance or a lost coordinator: let kafkajs handle it once eachBatch returns.
        return
      }
    }
  }

  /** Bounded only: whether every assigned partition is handed over or queued up to its end offset. */
  #allFetched(): boolean {
    const ends = this.#s.ends
    if (ends === undefined || this.#assignment.length === 0) return false
    for (const { topic, partitions } of this.#assignment) {
      for (const p of partitions) {
        const end = ends.get(topic)?.get(p) ?? 0n
        if (end === 0n) continue
        const at = this.#queue.endOf(tpKey(topic, p)) ?? this.#positions.get(topic)?.get(p)
        if (at === undefined || at < end) return false
      }
    }

    return true
  }

  #pauseAll(): void {
    this.#paused = true
    if (this.#assignment.length > 0) this.#s.consumer.pause(this.#assignment)
  }

  #resumeAll(): void {
    this.#paused = false
    if (this.#assignment.length > 0) this.#s.consumer.resume(this.#assignment)
  }

  #onJoin(memberAssignment: Record<string, number[]>): void {
    const next = new Set<string>()
    const assignment: Array<{ topic: string; partitions: number[] }> = []
    for (const [topic, partitions] of Object.entries(memberAssignment)) {
      assignment.push({ topic, partitions })
      for (const p of partitions) next.add(tpKey(topic, p))
    }
    const revoked = [...this.#assigned].filter((k) => !next.has(k))
    this.#queue.purge((k) => !next.has(k))
    for (const [topic, parts] of this.#positions) {
      for (const p of [...parts.keys()]) if (!next.has(tpKey(topic, p))) parts.delete(p)
      if (parts.size === 0) this.#positions.delete(topic)
    }
    this.#assigned = next
    this.#assignment = assignment
    this.#crashedAt = undefined
    this.#context.logger.log('info', 'Kafka partitions assigned', {
      group: this.#s.groupId,
      assigned: assignment.map((a) => `${a.topic}[${a.partitions.join(',')}]`).join(' '),
      revoked: revoked.length,
    })
    // Kept partitions: back to what was handed over (see the class comment). New ones: the start position, if any.
    this.#queue.purge((k) => next.has(k))
    for (const { topic, partitions } of assignment) {
      for (const p of partitions) {
        const key = tpKey(topic, p)
        const at = this.#positions.get(topic)?.get(p) ?? this.#seekAfterJoin.get(key)
        if (at !== undefined) {
          this.#s.consumer.seek({ topic, partition: p, offset: at.toString() })
          this.#setPosition(topic, p, at)
        }
      }
    }
    // Start positions apply to the first assignment only; a partition another member read meanwhile resumes
    // from the group's committed offset.
    this.#seekAfterJoin.clear()
    this.#catchUp.assigned()
    if (this.#paused) this.#s.consumer.pause(assignment)
    this.#initializing = this.#initialPositions(assignment).catch((error) => {
      this.#context.logger.log('warn', 'Kafka: could not read the starting offsets of the assigned partitions', {
        error: String(error),
      })
    })
    this.#wake?.()
  }

  /**
   * The position of every assigned partition before any message of it arrives: the group's committed offset,
   * else the start. Without it a bounded read could not tell that an empty partition is done, and a position
   * would not name partitions that have nothing new.
   */
  async #initialPositions(assignment: ReadonlyArray<{ topic: string; partitions: number[] }>): Promise<void> {
    if (assignment.length === 0) return
    const topics = assignment.map((a) => a.topic)
    const committed = await this.#s.admin.fetchOffsets({ groupId: this.#s.groupId, topics })
    const edges = new Map<string, Array<{ partition: number; high: string; low: string }>>()
    await Promise.all(topics.map(async (t) => edges.set(t, await this.#s.admin.fetchTopicOffsets(t))))
    for (const { topic, partitions } of assignment) {
      for (const p of partitions) {
        if (this.#positions.get(topic)?.has(p) === true || !this.#assigned.has(tpKey(topic, p))) continue
        const c = committed.find((x) => x.topic === topic)?.partitions.find((x) => x.partition === p)
        const edge = edges.get(topic)?.find((x) => x.partition === p)
        const at =
          c !== undefined && Number(c.offset) >= 0
            ? BigInt(c.offset)
            : edge === undefined
              ? undefined
              : BigInt(this.#s.fromBeginning ? edge.low : edge.high)
        if (at !== undefined) this.#setPosition(topic, p, at)
      }
    }
  }

  /** Records behind the end of each partition read, once per `read()` (not per record). */
  #reportLag(): void {
    for (const [key, hw] of this.#highWatermarks) {
      if (!this.#assigned.has(key)) continue
      const at = this.#positions.get(hw.topic)?.get(hw.partition)
      if (at === undefined) continue
      const lag = hw.end > at ? Number(hw.end - at) : 0
      this.#context.metrics.gauge('consumer_lag', lag, { partition: `${hw.topic}/${hw.partition}` })
    }
  }

  #setPosition(topic: string, partition: number, offset: bigint): void {
    let parts = this.#positions.get(topic)
    if (parts === undefined) {
      parts = new Map()
      this.#positions.set(topic, parts)
    }
    parts.set(partition, offset)
  }

  #fail(error: FerrisError): void {
    this.#failure ??= error
    this.#wake?.()
  }

  get position(): Position {
    return positionOf(this.#positions)
  }

  async read(): Promise<ReadResult> {
    if (this.#failure !== undefined) throw this.#failure
    if (this.#closed) throw new FerrisError('FERRIS_INTERNAL', `${this.#context.name}: read() after close()`)
    if (this.#ended) return { kind: 'end', position: this.position }
    if (this.#queue.isEmpty) {
      // A bounded read that has handed over everything ends now, not after waiting `max_wait` for nothing.
      if (this.#s.ends !== undefined && this.#boundedDone()) {
        await this.#initializing
        if (this.#boundedDone() && (await this.#othersDone())) {
          this.#ended = true
          return { kind: 'end', position: this.position }
        }
      }
      await this.#waitForData()
    }
    if (this.#failure !== undefined) throw this.#failure
    this.#checkOutage()
    await this.#initializing

    // Ranges of queued batches, not one object per message: `messages[from..to)` of `batches[i]`.
    const batches: QueuedBatch[] = []
    const ranges: number[] = []
    const values: Array<Buffer | null> = []
    this.#queue.take(
      this.#s.batchSize,
      (b, from, to) => {
        batches.push(b)
        ranges.push(from, to)
        for (let i = from; i < to; i++) values.push(b.messages[i]!.value)
      },
      (b) => {
        const cur = this.#positions.get(b.topic)?.get(b.partition)
        if (cur === undefined || b.end > cur) this.#setPosition(b.topic, b.partition, b.end)
      },
    )
    if (this.#queue.size < this.#s.maxQueued) this.#room?.()
    if (this.#paused && this.#queue.size <= this.#s.maxQueued / 2) this.#resumeAll()
    const out: Decoded = { rows: [], meta: [], kinds: [] }
    if (values.length > 0) {
      try {
        await this.#s.decoder.prepare(values)
      } catch (error) {
        throw isFerrisError(error) ? error : classifyError(error, 'fetching Avro schemas')
      }
      for (let s = 0; s < batches.length; s++) {
        const b = batches[s]!
        const to = ranges[2 * s + 1]!
        const from = ranges[2 * s]!
        for (let i = from; i < to; i++) this.#toRow(b, b.messages[i]!, out)
        // The position needs only the last offset of each range, not a BigInt per message.
        if (to > from) {
          const next = offsetOf(b.messages[to - 1]!) + 1n
          const cur = this.#positions.get(b.topic)?.get(b.partition)
          if (cur === undefined || next > cur) this.#setPosition(b.topic, b.partition, next)
        }
      }
    }
    const { rows, meta, kinds } = out
    this.#reportLag()
    if (rows.length > 0) return { kind: 'batch', batch: this.#batch(rows, meta, kinds), position: this.position }
    if (this.#s.ends !== undefined && this.#boundedDone() && (await this.#othersDone())) {
      this.#ended = true
      return { kind: 'end', position: this.position }
    }

    return { kind: 'idle', position: this.position }
  }

  #batch(rows: Row[], meta: RecordMeta[], kinds: number[]) {
    if (this.#s.changelog !== true) return batchOf(this.#s.schema, rows, { meta })
    const k = this.#s.keyColumn ?? this.#s.layout.meta._key

    return batchOf(this.#s.schema, rows, {
      meta,
      kinds: Uint8Array.from(kinds),
      ...(k === undefined ? {} : { keyFields: [k] }),
    })
  }

  /** Decodes one message into `out`; a bad one goes to the bad-record policy instead. */
  #toRow(b: QueuedBatch, m: KafkaMessage, out: Decoded): void {
    const { layout, schema } = this.#s
    const tombstone = this.#s.changelog === true && m.value === null
    try {
      const key = keyToValue(m.key ?? null, this.#keyType, this.#s.keyFormat, this.#context.name)
      let row: Row
      if (tombstone) {
        row = new Array<Value>(schema.length).fill(null)
        if (m.key === null || m.key === undefined) {
          throw new FerrisError(
            'FERRIS_RECORD_MALFORMED',
            `${this.#context.name}: a tombstone (null value) without a key`,
            {
              subject: this.#context.name,
              hint: 'A changelog topic deletes by key; a message with neither key nor value means nothing',
            },
          )
        }
        const kc = this.#s.keyColumn
        if (kc !== undefined)
          row[kc] = keyToValue(m.key, schema.fields[kc]!.type, this.#s.keyFormat, `${this.#context.name}.key_column`)
      } else {
        const value = this.#s.decoder.decode(m.value)
        if (this.#valueIsRow) {
          // The value fields are the whole row, in order: the decoder's row is the row.
          row = value
        } else {
          row = new Array<Value>(schema.length).fill(null)
          const vi = layout.valueIndex
          for (let i = 0; i < vi.length; i++) row[vi[i]!] = value[i] ?? null
        }
      }
      const mc = layout.meta
      if (mc._key !== undefined) row[mc._key] = key
      if (mc._timestamp !== undefined)
        row[mc._timestamp] = this.#timestampIsInt64 ? BigInt(m.timestamp) : this.#timestampOf(m)
      if (mc._partition !== undefined) row[mc._partition] = this.#partitionIsInt64 ? BigInt(b.partition) : b.partition
      if (mc._offset !== undefined) row[mc._offset] = offsetOf(m)
      if (mc._topic !== undefined) row[mc._topic] = b.topic
      let headers: readonly Header[] | undefined
      if (mc._headers !== undefined) {
        headers = headersFromKafka(m.headers as never)
        row[mc._headers] = headersToValue(headers, schema.fields[mc._headers]!.type)
      }

      out.rows.push(row)
      // Kinds only matter for a changelog; every other row is an INSERT.
      if (this.#s.changelog === true) out.kinds.push(tombstone ? ChangeKind.DELETE : ChangeKind.UPDATE_AFTER)
      out.meta.push(kafkaRecordMeta(key, b.topic, b.partition, m, headers))
    } catch (error) {
      const offset = offsetOf(m)
      const headers = headersFromKafka(m.headers as never)
      const timestamp = BigInt(m.timestamp) * 1_000_000n
      const cause = isFerrisError(error) ? error : classifyError(error, 'decoding a message')
      const location = { topic: b.topic, partition: b.partition, offset: offset.toString() }
      // The policy decides: `fail` throws from here, `skip` and `dead_letter` return and the batch goes on.
      this.#context.reportBadRecord({
        error: new FerrisError(
          cause.code,
          `${cause.message} (topic ${b.topic}, partition ${b.partition}, offset ${offset})`,
          { ...cause.context, location, cause },
        ),
        ...(m.value === null ? {} : { raw: new Uint8Array(m.value) }),
        origin: this.#context.name,
        position: location,
        meta: {
          headers,
          timestamp,
          partition: b.partition,
          offset,
          ...(m.key === null ? {} : { key: m.key.toString('utf8') }),
        },
      })
      this.#context.metrics.count('kafka_bad_records', 1, { source: this.#context.name, topic: b.topic })
    }
  }

  /** Epoch nanoseconds of a message's time; messages of one batch mostly share it, so it is converted once. */
  #timestampOf(m: KafkaMessage): bigint {
    if (m.timestamp !== this.#lastTimestampText) {
      this.#lastTimestampText = m.timestamp
      this.#lastTimestamp = BigInt(m.timestamp) * 1_000_000n
    }
    return this.#lastTimestamp
  }

  /**
   * Bounded, once this member's partitions are done: whether the group has committed every other partition up
   * to its end offset. A member must not end while partitions it does not hold are unread: after a crash the
   * group can still list the dead process's member, which is assigned partitions until its session times out;
   * ending then would leave them unread with the job reported complete. So the member waits (heartbeating)
   * until the other members commit their share (at their checkpoints) or a rebalance hands it the partitions.
   * Asks the group at most once a second.
   */
  async #othersDone(): Promise<boolean> {
    const ends = this.#s.ends!
    const others: Array<{ topic: string; partition: number; end: bigint }> = []
    for (const [topic, parts] of ends) {
      for (const [partition, end] of parts) {
        if (end > 0n && !this.#assigned.has(tpKey(topic, partition))) others.push({ topic, partition, end })
      }
    }
    if (others.length === 0) return true
    if (Date.now() - this.#othersAskedAt < 1_000) return false
    this.#othersAskedAt = Date.now()
    try {
      const committed = await this.#s.admin.fetchOffsets({ groupId: this.#s.groupId, topics: [...ends.keys()] })
      const at = new Map<string, bigint>()
      for (const { topic, partitions } of committed)
        for (const { partition, offset } of partitions) at.set(tpKey(topic, partition), BigInt(offset))
      const waiting = others.filter((o) => (at.get(tpKey(o.topic, o.partition)) ?? -1n) < o.end)
      if (waiting.length > 0 && !this.#toldWaiting) {
        this.#toldWaiting = true
        this.#context.logger.log(
          'info',
          'Kafka: this member read its partitions; waiting for the group to finish the others',
          {
            group: this.#s.groupId,
            waiting: waiting.map((o) => `${o.topic}[${o.partition}]`).join(' '),
            hint: 'Another member reads them, or a member of a stopped process holds them until its session times out',
          },
        )
      }

      return waiting.length === 0
    } catch (error) {
      this.#context.logger.log('warn', 'Kafka: could not read the group offsets of the other partitions', {
        error: String(error),
      })
      return false
    }
  }

  #boundedDone(): boolean {
    const ends = this.#s.ends!
    if (this.#assignment.length === 0 || !this.#queue.isEmpty) return false
    for (const { topic, partitions } of this.#assignment) {
      for (const p of partitions) {
        const end = ends.get(topic)?.get(p) ?? 0n
        const at = this.#positions.get(topic)?.get(p)
        if (end === 0n) continue
        if (at === undefined || at < end) return false
      }
    }

    return true
  }

  /**
   * A broker gone for longer than reconnect_timeout fails the read; shorter outages are waited out. Not
   * retryable: the wait is over, and the job's own retries would otherwise keep the job waiting minutes past
   * the reconnect_timeout the user chose.
   */
  #checkOutage(): void {
    if (this.#crashedAt !== undefined && Date.now() - this.#crashedAt > this.#s.reconnectTimeout) {
      throw new FerrisError(
        'FERRIS_CONNECTION_FAILED',
        `${this.#context.name}: the Kafka brokers have been unreachable for more than ${this.#s.reconnectTimeout} ms`,
        {
          subject: this.#context.name,
          retryable: false,
          hint: 'Check the brokers; raise reconnect_timeout to wait longer',
        },
      )
    }
  }

  #waitForData(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#wake = undefined
        this.#context.signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, this.#s.maxWait)
      this.#wake = done
      this.#context.signal.addEventListener('abort', done, { once: true })
    })
  }

  async commit(position: Position): Promise<void> {
    const offsets = parsePosition(position, `${this.#context.name} commit`)
    const entries: Array<{ topic: string; partition: number; offset: string }> = []
    for (const [topic, parts] of offsets) {
      for (const [partition, offset] of parts) {
        // A partition another member owns now is not ours to commit: its owner resumes from the group offset.
        if (this.#assigned.has(tpKey(topic, partition))) entries.push({ topic, partition, offset: offset.toString() })
      }
    }
    if (entries.length === 0) return
    try {
      await this.#s.consumer.commitOffsets(entries)
    } catch (error) {
      throw classifyError(error, `committing offsets of group ${this.#s.groupId}`)
    }
  }

  async seek(position: Position): Promise<void> {
    const offsets = parsePosition(position, `${this.#context.name} seek`)
    const keys = new Set<string>()
    for (const [topic, parts] of offsets) {
      for (const [partition, offset] of parts) {
        const key = tpKey(topic, partition)
        keys.add(key)
        if (this.#assigned.has(key)) {
          this.#s.consumer.seek({ topic, partition, offset: offset.toString() })
          this.#setPosition(topic, partition, offset)
        } else {
          this.#seekAfterJoin.set(key, offset)
        }
      }
    }
    this.#queue.purge((k) => keys.has(k))
    this.#ended = false
    this.#release?.()
  }

  hasMore(): boolean {
    return !this.#ended
  }

  /** The partitions assigned to this member now, named as in `pendingSplits` (see `DataReader.heldSplits`). */
  heldSplits(): string[] {
    const out: string[] = []
    for (const { topic, partitions } of this.#assignment) for (const p of partitions) out.push(splitName(p, topic))

    return out
  }

  /**
   * The assigned partitions (named `topic:partition`, as `splitName` names a record's) whose position is
   * behind their end: the latest high watermark fetched, or the end offset when the reader was created, or with
   * `bounded` the end offset the read stops at. Event-time operators hold their watermark until each delivered
   * (see `DataReader.pendingSplits`).
   */
  pendingSplits(): string[] {
    const out: string[] = []
    for (const { topic, partitions } of this.#assignment) {
      for (const p of partitions) {
        const key = tpKey(topic, p)
        const bounded = this.#s.ends?.get(topic)?.get(p)
        let end = bounded
        if (end === undefined) {
          const fetched = this.#highWatermarks.get(key)?.end
          const atStart = this.#s.catchUpTo.get(topic)?.get(p)
          end = fetched === undefined ? atStart : atStart === undefined || fetched > atStart ? fetched : atStart
        }
        const at = this.#positions.get(topic)?.get(p)
        if (end !== undefined && end > 0n && (at === undefined || at < end)) out.push(splitName(p, topic))
      }
    }

    return out
  }

  /**
   * True once every partition assigned to this member has been handed over up to its end offset as of the
   * reader's creation (see `CatchUp`); false before the group's first assignment.
   */
  caughtUp(): boolean {
    return this.#catchUp.reached(this.#assignment, this.#positions)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#wake?.()
    this.#room?.()
    this.#release?.()
    await Promise.allSettled([this.#s.consumer.disconnect(), this.#s.admin.disconnect()])
  }
}
