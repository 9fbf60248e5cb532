import {
  type ConnectorContext,
  type DataSink,
  type DataWriter,
  FerrisError,
  type Schema,
  type SinkCapabilities,
  type WriterOptions,
} from '@ferris/core'
import { messageEncoder } from '@ferris/formats'
import kafkajs, { type Admin, type CompressionTypes, type KafkaConfig, type Producer } from 'kafkajs'
import { AdminConnection } from './admin-connection.js'
import { classifyError } from './classify-error.js'
import { kafkaConfig, RETRY } from './client-config.js'
import { avroCodecOptions, formatOf } from './codec-options.js'
import { type CreateKafkaClient, createKafkaClient, type KafkaClient } from './kafka-client.js'
import { KafkaWriter } from './kafka-writer.js'
import { columnLayout, type KeyFormat } from './metadata-columns.js'
import { type OffsetsTarget, resolveOffsetsTarget } from './offsets-target.js'
import type { KafkaOptions } from './options.js'

// kafkajs is CommonJS: Node's ESM loader sees only its default export, so values come from there.
const { CompressionCodecs, Partitioners, CompressionTypes: Compression } = kafkajs

const COMPRESSION: Readonly<Record<string, CompressionTypes>> = {
  none: Compression.None,
  gzip: Compression.GZIP,
  snappy: Compression.Snappy,
  lz4: Compression.LZ4,
  zstd: Compression.ZSTD,
}

/** One topic as a sink. */
export class KafkaSink implements DataSink {
  readonly #options: KafkaOptions
  readonly #context: ConnectorContext
  readonly #client: KafkaClient
  readonly #config: KafkaConfig
  readonly #createClient: CreateKafkaClient
  readonly #topic: string
  readonly #transactional: boolean
  readonly #connection: AdminConnection
  /** A message key is known (key column, `_key`, or a batch's keyFields): changes are written as upserts. */
  #keyed: boolean
  readonly #producers = new Set<Producer>()
  /** Exactly-once: whose offsets the last writer commits in its transactions (see resolveOffsetsTarget). */
  #offsets: OffsetsTarget | undefined

  constructor(options: KafkaOptions, context: ConnectorContext, createClient: CreateKafkaClient = createKafkaClient) {
    this.#options = options
    this.#context = context
    const topics = options.topic ?? []
    if (topics.length !== 1 || options.topic_pattern !== undefined) {
      throw new FerrisError('FERRIS_CONFIG_INVALID', `${context.name}: a Kafka sink writes exactly one topic`, {
        subject: `${context.name}.topic`,
        value: options.topic_pattern ?? topics.join(','),
        expected: 'one topic name, e.g. kafka://127.0.0.1:19092/big_orders',
      })
    }
    this.#topic = topics[0]!
    const compression = COMPRESSION[options.compression]!
    if (compression !== Compression.None && !codecInstalled(compression)) {
      // Limitation: kafkajs ships gzip only; snappy, lz4 and zstd need a codec package registered in CompressionCodecs.
      throw new FerrisError(
        'FERRIS_UNSUPPORTED',
        `${context.name}: compression ${options.compression} needs a codec that is not installed`,
        {
          subject: `${context.name}.compression`,
          value: options.compression,
          expected: 'none or gzip',
          hint: 'Use gzip, or register a kafkajs codec (e.g. kafkajs-snappy) in CompressionCodecs before the job starts',
        },
      )
    }
    this.#transactional = options.exactly_once || options.transactional_id !== undefined
    if (options.offsets_group_id !== undefined && !this.#transactional) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `${context.name}: offsets_group_id commits source offsets inside transactions and needs exactly_once=true`,
        {
          subject: `${context.name}.offsets_group_id`,
          hint: 'Add exactly_once=true, or remove offsets_group_id',
        },
      )
    }
    // kafkajs's idempotent producer refuses every send without acks from all replicas; caught here, not as an
    // internal error on the first write that a restart would only repeat.
    if (options.acks !== 'all' && options.idempotent && !this.#transactional) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `${context.name}: acks=${options.acks} needs idempotent=false (an idempotent producer waits for acks from all replicas)`,
        {
          subject: `${context.name}.acks`,
          value: options.acks,
          expected: 'acks=all, or idempotent=false with acks=1 or 0',
          hint: `Add idempotent=false to write with acks=${options.acks}, or remove acks`,
        },
      )
    }
    this.#config = kafkaConfig(options, context, 'sink')
    this.#createClient = createClient
    this.#client = createClient(this.#config)
    this.#connection = new AdminConnection(this.#client)
    this.#keyed = options.key_column !== undefined
  }

  /**
   * `upsert` turns true once a key is known: the key option, a `_key` column, or a batch's keyFields.
   * `storesPositions` is true with exactly-once once a writer found a source whose offsets its transactions
   * commit (`offsets_group_id`, or a Kafka source of the job on the same cluster), or from the start when
   * `offsets_group_id` names the group.
   */
  get capabilities(): SinkCapabilities {
    return {
      transactions: this.#transactional,
      upsert: this.#keyed,
      idempotent: this.#transactional,
      storesPositions:
        this.#transactional && (this.#offsets !== undefined || this.#options.offsets_group_id !== undefined),
    }
  }

  /** Idempotent (see AdminConnection): a failed open is forgotten, so the next call tries again. */
  open(): Promise<void> {
    return this.#connection.open((admin) => this.#setUp(admin))
  }

  async #setUp(admin: Admin): Promise<void> {
    try {
      await admin.connect()
      const topics = await admin.listTopics()
      if (topics.includes(this.#topic)) return
      if (!this.#options.create_topic) {
        throw new FerrisError('FERRIS_NOT_FOUND', `${this.#context.name}: topic ${this.#topic} does not exist`, {
          subject: `${this.#context.name}.topic`,
          value: this.#topic,
          hint: 'Create it, or set create_topic=true',
        })
      }
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: this.#topic,
            numPartitions: this.#options.partitions ?? -1,
            replicationFactor: this.#options.replication_factor ?? -1,
          },
        ],
      })
    } catch (error) {
      throw classifyError(error, `opening topic ${this.#topic}`)
    }
  }

  async validateSchema(schema: Schema): Promise<void> {
    const layout = columnLayout(schema, this.#context.name)
    this.#keyIndex(schema)
    messageEncoder({
      format: formatOf(this.#options),
      schema: layout.valueSchema,
      subject: this.#context.name,
      avro: avroCodecOptions(this.#options, this.#context, this.#topic),
    })
  }

  #keyIndex(schema: Schema): number | undefined {
    const name = this.#options.key_column
    if (name === undefined) {
      const i = schema.indexOf('_key')
      if (i >= 0) this.#keyed = true
      return i < 0 ? undefined : i
    }
    const i = schema.indexOf(name)
    if (i < 0) {
      throw new FerrisError(
        'FERRIS_SCHEMA_MISMATCH',
        `${this.#context.name}.key_column names "${name}", which is not a column of the output`,
        {
          subject: `${this.#context.name}.key_column`,
          value: name,
          expected: `one of ${schema.names.join(', ')}`,
        },
      )
    }

    return i
  }

  async createWriter(options: WriterOptions): Promise<DataWriter> {
    await this.open()
    const layout = columnLayout(options.schema, this.#context.name)
    const encoder = messageEncoder({
      format: formatOf(this.#options),
      schema: layout.valueSchema,
      subject: this.#context.name,
      avro: avroCodecOptions(this.#options, this.#context, this.#topic),
    })
    const transactionalId = this.#transactional
      ? (this.#options.transactional_id ?? `ferris-${options.jobId}-${this.#context.name}`)
      : undefined
    const producer = this.#client.producer({
      createPartitioner:
        this.#options.partitioner === 'legacy' ? Partitioners.LegacyPartitioner : Partitioners.DefaultPartitioner,
      idempotent: this.#options.idempotent || this.#transactional,
      ...(this.#options.idempotent || this.#transactional ? { maxInFlightRequests: 1 } : {}),
      ...(transactionalId === undefined
        ? {}
        : { transactionalId, transactionTimeout: this.#options.transaction_timeout }),
      allowAutoTopicCreation: false,
      retry: RETRY,
    })
    try {
      // With a transactional id this also fences an older producer of the same id and aborts its open transaction.
      await producer.connect()
    } catch (error) {
      await producer.disconnect().catch(() => {})
      throw classifyError(error, `connecting the producer for ${this.#topic}`)
    }
    this.#producers.add(producer)
    const admin = this.#connection.admin!
    this.#offsets = this.#transactional
      ? await resolveOffsetsTarget(
          {
            offsetsGroupId: this.#options.offsets_group_id,
            offsetsSource: this.#options.offsets_source,
            sources: options.sources,
            servers: this.#options.bootstrap_servers,
            admin,
            config: this.#config,
            createClient: this.#createClient,
          },
          this.#context,
        )
      : undefined
    if (this.#offsets !== undefined) {
      this.#context.logger.log(
        'info',
        `${this.#context.name}: exactly-once commits source offsets in its transactions`,
        {
          group: this.#offsets.groupId,
          source: this.#offsets.source ?? null,
        },
      )
    }
    const writer = new KafkaWriter(
      {
        producer,
        admin,
        topic: this.#topic,
        schema: options.schema,
        layout,
        encoder,
        keyIndex: this.#keyIndex(options.schema),
        keyFormat: this.#options.key_format as KeyFormat,
        staticHeaders: this.#options.headers ?? {},
        compression: COMPRESSION[this.#options.compression]!,
        acks: this.#options.acks === 'all' ? -1 : Number(this.#options.acks),
        transactional: this.#transactional,
        offsetsGroupId: this.#offsets?.groupId,
        offsetsSource: this.#offsets?.source,
        reconnectTimeout: this.#options.reconnect_timeout,
        maxBufferedBytes: this.#options.max_buffered_bytes,
        onKeyFields: () => {
          this.#keyed = true
        },
      },
      this.#context,
    )
    const close = writer.close.bind(writer)
    writer.close = async () => {
      await close()
      this.#producers.delete(producer)
      await producer.disconnect().catch(() => {})
    }

    return writer
  }

  /** Idempotent; disconnects every producer it created and its admin client. */
  async close(): Promise<void> {
    const producers = [...this.#producers]
    this.#producers.clear()
    await Promise.allSettled(producers.map((p) => p.disconnect()))
    await this.#connection.close()
  }
}

/** kafkajs's built-in entries for snappy, lz4 and zstd throw "not implemented" until a codec package replaces them. */
function codecInstalled(type: CompressionTypes): boolean {
  try {
    return (CompressionCodecs as Record<number, (() => unknown) | undefined>)[type]?.() !== undefined
  } catch {
    return false
  }
}
