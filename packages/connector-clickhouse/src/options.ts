import { type ConnectionString, defineOptions, type OptionValues, paramsToOptions, type RawOptions } from '@ferris/core'

/**
 * Every option of the ClickHouse source and sink. Names follow ClickHouse's own snake_case vocabulary
 * (`database`, `order_by`, `engine`). One declaration validates connection-string parameters and WITH
 * properties.
 */
export const clickhouseOptions = defineOptions({
  url: {
    type: 'string',
    required: true,
    doc: 'HTTP endpoint of the server, http(s)://host:port. Built from the host and port of a clickhouse:// connection string.',
    example: 'http://127.0.0.1:18123',
    pattern: /^https?:\/\/[^\s/?#]+\/?$/,
  },
  username: { type: 'string', default: 'default', doc: 'User name.', aliases: ['user'] },
  password: { type: 'string', secret: true, doc: 'Password. Never printed, logged or put in an error.' },
  database: {
    type: 'string',
    default: 'default',
    doc: 'Database of the table. The path of a clickhouse:// connection string.',
    aliases: ['db'],
  },
  table: { type: 'string', doc: 'Table to write to, or to read from when no query is given.', example: 'events' },
  query: {
    type: 'string',
    doc: 'Source only: a SELECT to read instead of a whole table. Its columns must match the declared schema.',
  },
  create_table: {
    type: 'boolean',
    default: false,
    doc: 'Sink only: create the table from the query schema when it does not exist.',
  },
  engine: {
    type: 'string',
    default: 'MergeTree',
    doc: 'Sink only: table engine for create_table, e.g. MergeTree or ReplacingMergeTree(version).',
    pattern: /^[A-Za-z][A-Za-z0-9_]*(\([^;`]*\))?$/,
  },
  order_by: {
    type: 'list',
    doc: 'Sink: ORDER BY columns of a created table (default: none, ORDER BY tuple()). Source: ORDER BY of the table read, which makes resuming from a position exact.',
  },
  low_cardinality: {
    type: 'list',
    default: [],
    doc: 'Sink only: STRING columns that a created table declares LowCardinality(String).',
  },
  timestamp_fallback: {
    type: 'enum',
    values: ['fail', 'datetime', 'int64'],
    default: 'fail',
    doc: 'What a created table uses for TIMESTAMP columns on a server without DateTime64 (before 20.1): fail, DateTime (whole seconds; rows with finer digits go to the bad-record policy) or Int64 (epoch in the column unit).',
  },
  batch_rows: {
    type: 'integer',
    default: 100_000,
    min: 1,
    doc: 'Sink: rows per INSERT block. Blocks are cut at this count from each checkpoint, so a replay rebuilds the same blocks.',
  },
  batch_bytes: {
    type: 'size',
    default: 16 * 1024 * 1024,
    min: 1024,
    doc: 'Sink: encoded bytes per INSERT block at most (a block is cut earlier when it reaches this size).',
  },
  max_buffer_bytes: {
    type: 'size',
    default: 128 * 1024 * 1024,
    min: 1024,
    doc: 'Sink: encoded bytes held between checkpoints; beyond it, full blocks are inserted before the checkpoint.',
  },
  retries: {
    type: 'integer',
    default: 5,
    min: 0,
    max: 100,
    doc: 'Sink: times one INSERT is tried again after a connection failure (and, where tokens deduplicate, after any passing error).',
  },
  retry_backoff: {
    type: 'duration',
    default: 200,
    doc: 'Sink: first wait between tries; doubles each time, at most 5 s.',
  },
  request_timeout: { type: 'duration', default: 300_000, doc: 'Timeout of one HTTP request.' },
  batch_size: { type: 'integer', min: 1, doc: "Source: rows per batch read; the job's batch size when absent." },
  exactly_once: {
    type: 'boolean',
    default: false,
    doc: 'Sink only: on a server without insert_deduplication_token (before 22.2), mark every row with hidden MATERIALIZED columns, keep a ledger of finished commits and delete the rows of an unfinished one when the job restarts. Changes the table; see the README. Servers from 22.2 on keep using tokens.',
  },
  ledger_table: {
    type: 'string',
    default: 'ferris_commits',
    doc: 'Sink only, with exactly_once: the table (in the same database) holding one row per finished commit and its source positions.',
  },
  compression: {
    type: 'boolean',
    default: false,
    doc: 'gzip request bodies and responses (saves network, costs CPU on a local server).',
  },
})

export type ClickhouseOptions = OptionValues<typeof clickhouseOptions>

/**
 * `clickhouse://user:pass@host:port/db?table=t` → options. The port is the HTTP port (8123 by default);
 * `clickhouses://` or `secure=true` selects https.
 */
export function clickhouseFromConnectionString(uri: ConnectionString): RawOptions {
  const raw: RawOptions = paramsToOptions(uri)
  const secure = uri.scheme === 'clickhouses' || /^(1|true|yes)$/i.test(raw.secure ?? '')
  delete raw.secure
  const host = uri.hosts[0]
  if (host !== undefined) {
    const name = host.host.includes(':') ? `[${host.host}]` : host.host
    raw.url = `${secure ? 'https' : 'http'}://${name}:${host.port ?? (secure ? 8443 : 8123)}`
  }
  const database = uri.path.replace(/^\/+/, '').replace(/\/+$/, '')
  if (database !== '') raw.database = database
  if (uri.username !== undefined && uri.username !== '') raw.username = uri.username
  if (uri.password !== undefined) raw.password = uri.password

  return raw
}
