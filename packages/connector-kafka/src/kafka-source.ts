import { randomUUID } from 'node:crypto'
import {
  type ConnectorContext,
  type DataReader,
  type DataSource,
  FerrisError,
  type ReaderOptions,
  Schema,
  type SourceCapabilities,
  type SourceEndpoint,
  T,
} from '@ferris/core'
import { inferSchema, messageDecoder, parseAvroSchemaText, schemaFromAvro } from '@ferris/formats'
import type { Admin } from 'kafkajs'
import { AdminConnection } from './admin-connection.js'
import { catchUpTargets, lowOffsets, type PartitionEdges } from './catch-up.js'
import { classifyError } from './classify-error.js'
import { kafkaConfig, RETRY } from './client-config.js'
import { avroCodecOptions, formatOf } from './codec-options.js'
import { type CreateKafkaClient, createKafkaClient, type KafkaClient } from './kafka-client.js'
import { KafkaReader } from './kafka-reader.js'
import { columnLayout, type KeyFormat } from './metadata-columns.js'
import type { KafkaOptions } from './options.js'
import { type OffsetMap, parsePosition, parseStartOffsets, tpKey } from './positions.js'

/**
 * Topics as a source. One reader is one consumer group member; several jobs (or processes) with the same
 * `group_id` split the partitions between them.
 */
export class KafkaSource implements DataSource {
  readonly capabilities: SourceCapabilities
  /** The brokers, the topics (unless a pattern picks them) and the group, for an exactly-once Kafka sink. */
  readonly endpoint: SourceEndpoint
  readonly #options: KafkaOptions
  readonly #context: ConnectorContext
  readonly #client: KafkaClient
  readonly #groupId: string
  readonly #connection: AdminConnection
  #topics: string[] = []
  #ends: OffsetMap | undefined
  readonly #readers = new Set<KafkaReader>()

  constructor(options: KafkaOptions, context: ConnectorContext, createClient: CreateKafkaClient = createKafkaClient) {
    this.#options = options
    this.#context = context
    const topics = options.topic ?? []
    if ((topics.length === 0) === (options.topic_pattern === undefined)) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `${context.name}: give either topic or topic_pattern`, {
        subject: `${context.name}.topic`,
        value: topics.length === 0 ? 'neither' : 'both',
        expected: 'topic=orders (or a comma list), or topic_pattern=<regex>',
        hint: "Write the topic in the connection string's path, kafka://host:port/orders",
      })
    }
    if (options.topic_pattern !== undefined) {
      try {
        new RegExp(options.topic_pattern)
      } catch (error) {
        throw new FerrisError(
          'FERRIS_CONFIG_INVALID',
          `${context.name}.topic_pattern is not a valid regular expression`,
          {
            subject: `${context.name}.topic_pattern`,
            value: options.topic_pattern,
            cause: error,
          },
        )
      }
    }
    if (options.start === 'timestamp' && options.start_timestamp === undefined) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `${context.name}: start=timestamp needs start_timestamp`, {
        subject: `${context.name}.start_timestamp`,
        expected: 'epoch milliseconds or an ISO-8601 instant, e.g. 2024-01-01T00:00:00Z',
      })
    }
    if (options.start === 'offsets' && options.start_offsets === undefined) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `${context.name}: start=offsets needs start_offsets`, {
        subject: `${context.name}.start_offsets`,
        expected: 'partition:offset pairs, e.g. 0:42,1:17',
      })
    }
    // kafkajs refuses such a consumer only when the job starts, with an internal error naming its own fields.
    if (options.heartbeat_interval >= options.session_timeout) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `${context.name}: heartbeat_interval (${options.heartbeat_interval} ms) must be shorter than session_timeout (${options.session_timeout} ms)`,
        {
          subject: `${context.name}.heartbeat_interval`,
          value: `${options.heartbeat_interval} ms`,
          expected: `less than session_timeout (${options.session_timeout} ms)`,
          hint: 'Set heartbeat_interval to about a third of session_timeout (e.g. session_timeout=9s, heartbeat_interval=3s)',
        },
      )
    }
    this.#groupId = options.group_id ?? `ferris-${context.name}`
    this.endpoint = {
      servers: [...options.bootstrap_servers],
      ...(options.topic_pattern === undefined ? { objects: [...topics] } : {}),
      consumerGroup: this.#groupId,
    }
    this.#client = createClient(kafkaConfig(options, context, 'source'))
    this.#connection = new AdminConnection(this.#client)
    this.capabilities = {
      bounded: options.bounded,
      seek: true,
      commit: true,
      schemaDiscovery: true,
      timestamps: true,
      ...(options.changelog ? { changelog: 'upsert' as const } : {}),
    }
  }

  get groupId(): string {
    return this.#groupId
  }

  /** Idempotent (see AdminConnection): a failed open is forgotten, so the next call tries again. */
  open(): Promise<void> {
    return this.#connection.open((admin) => this.#setUp(admin))
  }

  async #setUp(admin: Admin): Promise<void> {
    let existing: string[]
    try {
      await admin.connect()
      existing = await admin.listTopics()
    } catch (error) {
      throw classifyError(error, `connecting to ${this.#options.bootstrap_servers.join(',')}`)
    }
    if (this.#options.topic_pattern !== undefined) {
      // The whole name must match, as with Kafka's Java client (`orders-.*`, not any name containing `orders-`).
      const re = new RegExp(`^(?:${this.#options.topic_pattern})$`)
      this.#topics = existing.filter((t) => re.test(t) && !t.startsWith('__'))
      if (this.#topics.length === 0) {
        throw new FerrisError(
          'FERRIS_NOT_FOUND',
          `${this.#context.name}: no topic matches topic_pattern ${this.#options.topic_pattern}`,
          {
            subject: `${this.#context.name}.topic_pattern`,
            value: this.#options.topic_pattern,
            hint: 'Create a matching topic first; topics created after the source opens are not picked up',
          },
        )
      }
    } else {
      this.#topics = [...this.#options.topic!]
      const missing = this.#topics.filter((t) => !existing.includes(t))
      if (missing.length > 0) {
        throw new FerrisError(
          'FERRIS_NOT_FOUND',
          `${this.#context.name}: topic ${missing.join(', ')} does not exist on ${this.#options.bootstrap_servers.join(',')}`,
          {
            subject: `${this.#context.name}.topic`,
            value: missing.join(','),
            hint: 'Create the topic, or check its spelling and the bootstrap servers',
          },
        )
      }
    }
    if (this.#options.bounded) {
      this.#ends = new Map()
      const ends = this.#ends
      try {
        await Promise.all(
          this.#topics.map(async (t) => {
            const offsets = await admin.fetchTopicOffsets(t)
            ends.set(t, new Map(offsets.map((o) => [o.partition, BigInt(o.high)])))
          }),
        )
      } catch (error) {
        throw classifyError(error, 'reading end offsets')
      }
    }
  }

  /**
   * string/bytes: one `value` column. Avro: the columns of `avro_schema`, else of the registry's latest
   * `<topic>-value` schema. JSON: inferred from up to `schema_sample_size` messages from the start of the
   * topics, read by a throwaway consumer group that commits nothing. Metadata (`_key`, `_timestamp`, ...)
   * is not part of it: it travels in each record's `meta`.
   */
  async discoverSchema(): Promise<Schema | undefined> {
    const o = this.#options
    if (o.format === 'string') return Schema.of(['value', T.string])
    if (o.format === 'bytes') return Schema.of(['value', T.bytes])
    if (o.format === 'avro') {
      if (o.avro_schema !== undefined)
        return schemaFromAvro(
          parseAvroSchemaText(o.avro_schema, `${this.#context.name}.avro_schema`),
          this.#context.name,
        )
      const registry = avroCodecOptions(o, this.#context).registry
      if (registry === undefined) {
        throw new FerrisError(
          'FERRIS_CONFIG_INVALID',
          `${this.#context.name}: Avro messages carry no schema, and neither avro_schema nor schema_registry_url is set`,
          {
            subject: `${this.#context.name}.avro_schema`,
            expected: "the writer's Avro schema (JSON text), or a schema registry holding <topic>-value",
            hint: `Set '${this.#context.name}.avro_schema' or '${this.#context.name}.schema_registry_url', or declare the columns with '${this.#context.name}.schema'`,
          },
        )
      }
      if (o.topic?.length !== 1) return undefined
      const latest = await registry.latest(o.registry_subject ?? `${o.topic[0]}-value`)
      return latest === undefined
        ? undefined
        : schemaFromAvro(
            parseAvroSchemaText(latest.schema, `${this.#context.name} registry schema`),
            this.#context.name,
          )
    }
    await this.open()

    return inferSchema(
      (async function* (texts: Promise<string[]>) {
        // Newlines are whitespace between JSON tokens (never raw inside strings), so one message stays one line.
        yield Buffer.from((await texts).map((t) => t.replace(/[\r\n]+/g, ' ')).join('\n'))
      })(this.#sample()),
      'jsonl',
      { sampleSize: o.schema_sample_size },
    )
  }

  /** Up to schema_sample_size message values from the start of the topics, as text. */
  async #sample(): Promise<string[]> {
    const admin = this.#connection.admin!
    const want = this.#options.schema_sample_size
    const highs = new Map<string, bigint>()
    try {
      for (const t of this.#topics) {
        for (const p of await admin.fetchTopicOffsets(t))
          if (BigInt(p.high) > BigInt(p.low)) highs.set(tpKey(t, p.partition), BigInt(p.high))
      }
    } catch (error) {
      throw classifyError(error, 'reading end offsets for schema sampling')
    }
    if (highs.size === 0) return []
    const consumer = this.#client.consumer({
      groupId: `ferris-schema-${randomUUID()}`,
      maxWaitTimeInMs: 200,
      retry: RETRY,
    })
    const texts: string[] = []
    const done = new Set<string>()
    let finish: () => void = () => {}
    const finished = new Promise<void>((resolve) => {
      finish = resolve
    })
    // The consumer must not be disconnected while kafkajs is still joining its group: the join goes on in the
    // background and reconnects to the coordinator after disconnect, leaving a socket that keeps the process
    // alive. So the shutdown waits for the join (or a crash, or the join's own timeout) before stopping.
    let joined: () => void = () => {}
    const settled = new Promise<void>((resolve) => {
      joined = resolve
    })
    const offJoin = consumer.on(consumer.events.GROUP_JOIN, () => joined())
    const offCrash = consumer.on(consumer.events.CRASH, () => {
      joined()
      finish()
    })
    const timer = setTimeout(finish, this.#options.schema_sample_timeout)
    let running = false
    try {
      await consumer.connect()
      await consumer.subscribe({ topics: this.#topics, fromBeginning: true })
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages)
            if (m.value !== null && texts.length < want) texts.push(m.value.toString('utf8'))
          const key = tpKey(batch.topic, batch.partition)
          if (BigInt(batch.lastOffset()) + 1n >= (highs.get(key) ?? 0n)) done.add(key)
          if (texts.length >= want || done.size >= highs.size) finish()
        },
      })
      running = true
      await finished
    } catch (error) {
      throw classifyError(error, 'sampling messages for the schema')
    } finally {
      clearTimeout(timer)
      if (running) await waitAtMost(settled, this.#options.session_timeout)
      await consumer.stop().catch(() => {})
      await consumer.disconnect().catch(() => {})
      offJoin()
      offCrash()
    }

    return texts
  }

  async createReader(options: ReaderOptions): Promise<DataReader> {
    await this.open()
    const name = this.#context.name
    const layout = columnLayout(options.schema, name)
    const keyColumn = this.#keyColumn(options.schema)
    const decoder = messageDecoder({
      format: formatOf(this.#options),
      schema: layout.valueSchema,
      subject: name,
      avro: avroCodecOptions(this.#options, this.#context),
    })
    // fromStart (a table without a checkpoint position): every partition from its low offset, whatever the
    // group committed and whatever `start` says, so that a fresh run loads the whole topic again.
    const fromStart = options.from === undefined && options.fromStart === true
    const consumer = this.#client.consumer({
      groupId: this.#groupId,
      sessionTimeout: this.#options.session_timeout,
      heartbeatInterval: this.#options.heartbeat_interval,
      maxBytesPerPartition: this.#options.max_bytes_per_partition,
      maxWaitTimeInMs: this.#options.max_wait,
      readUncommitted: this.#options.isolation_level === 'read_uncommitted',
      allowAutoTopicCreation: false,
      retry: {
        ...RETRY,
        // kafkajs restarts its consumer after errors it deems retriable; our reader fails the job once the
        // brokers have been gone longer than reconnect_timeout.
        restartOnFailure: async (error: Error) =>
          classifyError(error, 'reading').retryable && !this.#context.signal.aborted,
      },
    })
    const admin = this.#client.admin({ retry: RETRY })
    // The reader's clients connect while the offsets are asked for: the round trips overlap.
    // The metadata request fills the admin's broker list: kafkajs's connect alone leaves it empty, and the
    // reader's first group-offset lookup (on the first assignment) would then fail and wait a whole retry
    // delay (300 ms) before trying again, holding up the first read.
    const connecting = Promise.all([
      consumer.connect(),
      admin.connect().then(() => admin.fetchTopicMetadata({ topics: this.#topics })),
    ])
    // Handled here so that a failure while the offsets are asked for is not an unhandled rejection; it is
    // thrown where `connecting` is awaited.
    connecting.catch(() => {})
    let edges: Map<string, PartitionEdges[]>
    let startAt: OffsetMap
    try {
      edges = await this.#edges()
      startAt =
        options.from !== undefined
          ? parsePosition(options.from, `${name} checkpoint`)
          : fromStart
            ? lowOffsets(edges)
            : await this.#startOffsets(edges)
    } catch (error) {
      await connecting.catch(() => {})
      await Promise.allSettled([consumer.disconnect(), admin.disconnect()])
      throw error
    }
    const catchUpTo = catchUpTargets(edges)
    try {
      await connecting
      const pattern = this.#options.topic_pattern
      await consumer.subscribe({
        topics: pattern === undefined ? this.#topics : this.#topics,
        fromBeginning: fromStart || this.#options.start !== 'latest',
      })
    } catch (error) {
      await Promise.allSettled([consumer.disconnect(), admin.disconnect()])
      throw classifyError(error, `joining group ${this.#groupId}`)
    }
    const reader = new KafkaReader(
      {
        consumer,
        admin,
        topics: this.#topics,
        groupId: this.#groupId,
        schema: options.schema,
        layout,
        decoder,
        keyFormat: this.#options.key_format as KeyFormat,
        batchSize: options.batchSize,
        maxQueued: this.#options.max_queued_messages,
        maxWait: this.#options.max_wait,
        reconnectTimeout: this.#options.reconnect_timeout,
        startAt,
        catchUpTo,
        ...(this.#ends === undefined ? {} : { ends: this.#ends }),
        fromBeginning: fromStart || this.#options.start !== 'latest',
        changelog: this.#options.changelog,
        ...(keyColumn === undefined ? {} : { keyColumn }),
      },
      this.#context,
    )
    try {
      await reader.start()
    } catch (error) {
      await reader.close()
      throw classifyError(error, `starting to read ${this.#topics.join(', ')}`)
    }
    this.#readers.add(reader)

    return reader
  }

  /** With changelog=true: the column a tombstone's key fills (key_column), checked against the schema. */
  #keyColumn(schema: Schema): number | undefined {
    const name = this.#options.key_column
    if (name === undefined) return undefined
    const i = schema.indexOf(name)
    if (i < 0) {
      throw new FerrisError(
        'FERRIS_SCHEMA_MISMATCH',
        `${this.#context.name}.key_column names "${name}", which is not a column of the source`,
        {
          subject: `${this.#context.name}.key_column`,
          value: name,
          expected: `one of ${schema.names.join(', ')}`,
        },
      )
    }

    return i
  }

  /**
   * The low and high offsets of the topics' partitions now, before the reader starts: where a read of
   * everything begins and what it must read to be caught up.
   */
  async #edges(): Promise<Map<string, PartitionEdges[]>> {
    const admin = this.#connection.admin!
    const edges = new Map<string, PartitionEdges[]>()
    try {
      await Promise.all(this.#topics.map(async (t) => edges.set(t, await admin.fetchTopicOffsets(t))))
    } catch (error) {
      throw classifyError(error, `reading the end offsets of ${this.#topics.join(', ')}`)
    }

    return edges
  }

  /** start=timestamp / start=offsets, for partitions the group has no committed offset for. */
  async #startOffsets(edges: ReadonlyMap<string, readonly PartitionEdges[]>): Promise<OffsetMap> {
    const out: OffsetMap = new Map()
    if (this.#options.start !== 'timestamp' && this.#options.start !== 'offsets') return out
    const admin = this.#connection.admin!
    let committed: Awaited<ReturnType<Admin['fetchOffsets']>>
    try {
      committed = await admin.fetchOffsets({ groupId: this.#groupId, topics: this.#topics })
    } catch (error) {
      throw classifyError(error, `reading the offsets of group ${this.#groupId}`)
    }
    const hasCommitted = (topic: string, p: number) =>
      Number(committed.find((c) => c.topic === topic)?.partitions.find((x) => x.partition === p)?.offset ?? '-1') >= 0
    let wanted: OffsetMap
    if (this.#options.start === 'offsets') {
      wanted = parseStartOffsets(this.#options.start_offsets!, this.#topics, this.#context.name)
      // A partition that does not exist would be ignored silently, and the read would start elsewhere.
      for (const [topic, parts] of wanted) {
        const known = edges.get(topic)?.map((e) => e.partition)
        for (const p of parts.keys()) {
          if (known?.includes(p) === true) continue
          throw new FerrisError(
            'FERRIS_CONFIG_INVALID',
            known === undefined
              ? `${this.#context.name}: start_offsets names topic ${topic}, which the source does not read`
              : `${this.#context.name}: start_offsets names partition ${p} of ${topic}, which has partitions ${known.join(', ')}`,
            {
              subject: `${this.#context.name}.start_offsets`,
              value: this.#options.start_offsets!,
              expected: `partitions of ${this.#topics.join(', ')}`,
              hint: 'Name existing partitions (ferris describe shows the topic), or leave start_offsets out',
            },
          )
        }
      }
    } else {
      const ms = parseTimestamp(this.#options.start_timestamp!, this.#context.name)
      wanted = new Map()
      for (const t of this.#topics) {
        try {
          const offsets = await admin.fetchTopicOffsetsByTimestamp(t, ms)
          wanted.set(t, new Map(offsets.map((o) => [o.partition, BigInt(o.offset)])))
        } catch (error) {
          throw classifyError(error, `finding offsets of ${t} at ${this.#options.start_timestamp}`)
        }
      }
    }
    for (const [t, parts] of wanted) {
      const m = new Map<number, bigint>()
      for (const [p, o] of parts) if (!hasCommitted(t, p)) m.set(p, o)
      if (m.size > 0) out.set(t, m)
    }

    return out
  }

  /** Idempotent; closes every reader it created and its admin client. The source may be opened again after. */
  async close(): Promise<void> {
    const readers = [...this.#readers]
    this.#readers.clear()
    await Promise.allSettled(readers.map((r) => r.close()))
    await this.#connection.close()
  }
}

/** Resolves when `promise` does or after `ms`, whichever comes first. */
async function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}

function parseTimestamp(text: string, subject: string): number {
  if (/^\d+$/.test(text)) return Number(text)
  const ms = Date.parse(text)
  if (Number.isNaN(ms)) {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `${subject}.start_timestamp "${text}" is neither epoch milliseconds nor an ISO-8601 instant`,
      {
        subject: `${subject}.start_timestamp`,
        value: text,
        expected: 'e.g. 1704067200000 or 2024-01-01T00:00:00Z',
      },
    )
  }

  return ms
}
