import {
  type ConnectionString,
  defineOptions,
  FerrisError,
  type OptionValues,
  paramsToOptions,
  type RawOptions,
} from '@ferris/core'

/**
 * Every option of the Kafka source and sink, in Kafka's own snake_case vocabulary where it has one
 * (`bootstrap_servers`, `group_id`, `security_protocol`). The same declaration validates connection-string
 * parameters and `WITH` properties.
 */
export const kafkaOptions = defineOptions({
  bootstrap_servers: {
    type: 'list',
    required: true,
    doc: 'Brokers to bootstrap from, host:port, comma-separated. The hosts of a kafka:// connection string.',
    aliases: ['brokers', 'bootstrap.servers', 'bootstrap_server'],
    example: '127.0.0.1:19092',
  },
  topic: {
    type: 'list',
    doc: 'Topic to read (one or several, comma-separated) or the one topic to write. The path of a kafka:// connection string.',
    aliases: ['topics'],
    example: 'orders',
  },
  topic_pattern: {
    type: 'string',
    doc: 'Source only: a regular expression the whole topic name must match; every such topic present when the source opens is read.',
    example: 'orders\\..*',
  },
  format: {
    type: 'enum',
    values: ['json', 'avro', 'string', 'bytes'],
    default: 'json',
    doc: 'How message values are encoded. string/bytes put the whole value in the one value column.',
    aliases: ['value_format', 'value.format'],
  },
  key_format: {
    type: 'enum',
    values: ['string', 'json', 'bytes'],
    default: 'string',
    doc: 'How message keys are encoded: UTF-8 text of the key value, its JSON text, or raw bytes.',
    aliases: ['key.format'],
  },
  client_id: {
    type: 'string',
    default: 'ferris',
    doc: 'Client id sent to the brokers (quotas, logs).',
    aliases: ['client.id'],
  },
  // Security
  security_protocol: {
    type: 'enum',
    values: ['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl'],
    doc: 'plaintext (default), ssl, sasl_plaintext or sasl_ssl. Defaults to sasl_plaintext when a user name is given.',
    aliases: ['security.protocol'],
  },
  ssl_ca_location: {
    type: 'string',
    doc: "PEM file of the CA certificates that sign the brokers' certificates.",
    aliases: ['ssl.ca.location'],
  },
  ssl_certificate_location: {
    type: 'string',
    doc: 'PEM file of the client certificate (mutual TLS).',
    aliases: ['ssl.certificate.location'],
  },
  ssl_key_location: {
    type: 'string',
    doc: 'PEM file of the client private key (mutual TLS).',
    aliases: ['ssl.key.location'],
  },
  ssl_key_password: {
    type: 'string',
    secret: true,
    doc: 'Passphrase of the client private key.',
    aliases: ['ssl.key.password'],
  },
  ssl_verify: {
    type: 'boolean',
    default: true,
    doc: "Verify the brokers' certificates. Turn off only for a test broker with a self-signed certificate.",
    aliases: ['ssl.endpoint.identification.enabled'],
  },
  sasl_mechanism: {
    type: 'enum',
    values: ['plain', 'scram-sha-256', 'scram-sha-512'],
    default: 'plain',
    doc: 'SASL mechanism.',
    aliases: ['sasl.mechanism', 'sasl.mechanisms'],
  },
  sasl_username: {
    type: 'string',
    doc: 'SASL user name (or the user of the connection string).',
    aliases: ['sasl.username', 'username'],
  },
  sasl_password: {
    type: 'string',
    secret: true,
    doc: 'SASL password (or the password of the connection string).',
    aliases: ['sasl.password', 'password'],
    env: 'FERRIS_KAFKA_SASL_PASSWORD',
  },
  // Schema registry and Avro
  schema_registry_url: {
    type: 'string',
    doc: 'Confluent schema registry URL; turns on the Confluent wire format for Avro.',
    aliases: ['schema.registry.url'],
  },
  schema_registry_username: { type: 'string', doc: 'Schema registry basic-auth user.', aliases: ['basic.auth.user'] },
  schema_registry_password: {
    type: 'string',
    secret: true,
    doc: 'Schema registry basic-auth password.',
    aliases: ['basic.auth.password'],
    env: 'FERRIS_SCHEMA_REGISTRY_PASSWORD',
  },
  avro_schema: {
    type: 'string',
    doc: 'Avro schema (JSON). Source: the writer schema of plain-framed messages. Sink: the schema to write (else generated).',
  },
  avro_wire_format: {
    type: 'enum',
    values: ['confluent', 'plain'],
    doc: 'confluent (magic byte + 4-byte schema id, the default with a registry) or plain (bare Avro body).',
  },
  avro_schema_id: {
    type: 'integer',
    min: 0,
    doc: 'Sink: the schema id to write in Confluent framing without a registry.',
  },
  registry_subject: {
    type: 'string',
    doc: 'Sink: the registry subject to register the value schema under; default <topic>-value.',
  },
  // Connection behaviour
  connection_timeout: { type: 'duration', default: 10_000, doc: 'Time to open a TCP/TLS connection to a broker.' },
  request_timeout: { type: 'duration', default: 30_000, doc: 'Time a broker has to answer a request.' },
  reconnect_timeout: {
    type: 'duration',
    default: 300_000,
    doc: 'How long a broker that went away is waited for (retrying with backoff) before the job fails.',
  },
  // Source
  group_id: {
    type: 'string',
    doc: "Source: consumer group. Default ferris-<source name>. Offsets are committed to it only after the job's sinks are durable.",
    aliases: ['group.id', 'consumer_group'],
  },
  start: {
    type: 'enum',
    values: ['earliest', 'latest', 'timestamp', 'offsets'],
    default: 'earliest',
    doc: 'Source: where partitions without a committed group offset start. A checkpoint, then group offsets, come first.',
    aliases: ['auto.offset.reset', 'auto_offset_reset', 'scan.startup.mode'],
  },
  start_timestamp: {
    type: 'string',
    doc: 'Source, with start=timestamp: epoch milliseconds or an ISO-8601 instant; reading starts at the first message at or after it.',
  },
  start_offsets: {
    type: 'string',
    doc: 'Source, with start=offsets: partition:offset pairs, or topic:partition:offset for several topics.',
    example: '0:42,1:17',
  },
  bounded: {
    type: 'boolean',
    default: false,
    doc: 'Source: stop at the end offsets present when the job started (for backfills and tests).',
  },
  isolation_level: {
    type: 'enum',
    values: ['read_committed', 'read_uncommitted'],
    default: 'read_committed',
    doc: 'Source: read_committed skips messages of aborted and open transactions.',
    aliases: ['isolation.level'],
  },
  max_queued_messages: {
    type: 'integer',
    default: 20_000,
    min: 1,
    doc: 'Source: fetched messages held before the fetch loop waits (backpressure; partitions are paused if it waits over a second).',
  },
  max_bytes_per_partition: {
    type: 'size',
    default: 1_048_576,
    doc: 'Source: most bytes fetched per partition per request.',
  },
  max_wait: {
    type: 'duration',
    default: 250,
    doc: 'Source: how long a fetch (and a read() with no data) waits before returning idle.',
  },
  session_timeout: {
    type: 'duration',
    default: 30_000,
    doc: 'Source: group session timeout.',
    aliases: ['session.timeout.ms'],
  },
  heartbeat_interval: { type: 'duration', default: 3_000, doc: 'Source: group heartbeat interval.' },
  changelog: {
    type: 'boolean',
    default: false,
    doc: 'Source: the topic is a keyed changelog; a null value (tombstone) is a DELETE of its key, any other message an UPDATE_AFTER.',
    aliases: ['upsert'],
  },
  schema_sample_size: {
    type: 'integer',
    default: 1000,
    min: 1,
    doc: 'Source, JSON: how many messages (from the start of the topic) the schema is inferred from.',
  },
  schema_sample_timeout: {
    type: 'duration',
    default: 10_000,
    doc: 'Source, JSON: how long sampling for the schema may take.',
  },
  // Sink
  key_column: {
    type: 'string',
    doc: "Sink: the column whose value is the message key (else the _key column, else the batch's key fields). Source, with changelog=true: the column a tombstone's key fills.",
    aliases: ['key', 'message_key', 'primary_key'],
  },
  headers: { type: 'map', doc: 'Sink: headers added to every message, e.g. headers.source=ferris.' },
  partitioner: {
    type: 'enum',
    values: ['default', 'legacy'],
    default: 'default',
    doc: 'Sink: default (murmur2 of the key, as the Java client) or legacy (kafkajs 1.x). A _partition column overrides it.',
  },
  compression: {
    type: 'enum',
    values: ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
    default: 'none',
    doc: 'Sink: batch compression. Only gzip is built in; snappy, lz4 and zstd need a codec package (see README).',
    aliases: ['compression.type', 'compression_type'],
  },
  acks: {
    type: 'enum',
    values: ['all', '1', '0'],
    default: 'all',
    doc: 'Sink: acknowledgements required (all = every in-sync replica).',
  },
  max_buffered_bytes: {
    type: 'size',
    default: 1_048_576,
    doc: 'Sink: encoded messages held while a send is in flight before write() waits for it (backpressure, the memory bound). About one send (1 MB) keeps sends back to back; more only holds more rows in memory.',
  },
  idempotent: {
    type: 'boolean',
    default: true,
    doc: 'Sink: idempotent producer (no duplicates from producer retries).',
    aliases: ['enable.idempotence'],
  },
  exactly_once: {
    type: 'boolean',
    default: false,
    doc: 'Sink: write in Kafka transactions committed at each job checkpoint. Readers must use isolation_level=read_committed.',
  },
  transactional_id: {
    type: 'string',
    doc: 'Sink: transactional id (implies exactly_once). Default ferris-<job id>-<sink name>. Must be stable across restarts.',
    aliases: ['transactional.id'],
  },
  transaction_timeout: {
    type: 'duration',
    default: 60_000,
    doc: 'Sink: how long the broker keeps an open transaction.',
  },
  offsets_group_id: {
    type: 'string',
    doc: 'Sink, exactly-once: the consumer group of the Kafka source whose offsets are committed inside each transaction.',
  },
  offsets_source: {
    type: 'string',
    doc: 'Sink, exactly-once: the name of that Kafka source in the job (needed only when the job has several sources).',
  },
  create_topic: { type: 'boolean', default: true, doc: 'Sink: create the topic when it does not exist.' },
  partitions: {
    type: 'integer',
    min: 1,
    doc: 'Sink: partitions of a topic the sink creates (broker default otherwise).',
  },
  replication_factor: {
    type: 'integer',
    min: 1,
    doc: 'Sink: replication factor of a topic the sink creates (broker default otherwise).',
  },
})

export type KafkaOptions = OptionValues<typeof kafkaOptions>

/**
 * `kafka://user:pass@h1:9092,h2:9092/orders,payments?group_id=g&format=json`: the hosts are the bootstrap
 * servers, the path the topic(s), the user and password SASL credentials, and the parameters pass through.
 */
export function kafkaFromConnectionString(uri: ConnectionString): RawOptions {
  const raw: RawOptions = paramsToOptions(uri)
  if (uri.hosts.length > 0)
    raw.bootstrap_servers = uri.hosts
      .map((h) => (h.port === undefined ? `${h.host}:9092` : `${h.host}:${h.port}`))
      .join(',')
  const topic = uri.path.replace(/^\/+/, '')
  // `kafka:/host:9092/t` (one slash) has no hosts and `host:9092/t` as its path: say so, rather than that
  // bootstrap_servers is missing.
  if (uri.hosts.length === 0 && /^[^/]+:\d+(\/|$)/.test(topic) && raw.bootstrap_servers === undefined) {
    throw new FerrisError(
      'FERRIS_CONNECTION_STRING_INVALID',
      `The Kafka connection string has no hosts: "${topic.split('/')[0]}" was read as part of the topic`,
      {
        value: topic.split('/')[0],
        expected: 'kafka://host:port/topic (two slashes before the hosts)',
        hint: `Write kafka://${topic}`,
      },
    )
  }
  if (topic !== '') raw.topic = topic
  if (uri.username !== undefined && uri.username !== '') raw.sasl_username = uri.username
  if (uri.password !== undefined) raw.sasl_password = uri.password

  return raw
}
