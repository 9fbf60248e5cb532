import { defineOptions, type OptionValues } from '@ferris/core'

/** Every option of the PostgreSQL connector; source and sink read the ones that concern them. */
export const postgresOptions = defineOptions({
  host: { type: 'string', default: '127.0.0.1', doc: 'Server host name or address.', env: 'PGHOST' },
  port: { type: 'integer', default: 5432, min: 1, max: 65535, doc: 'Server port.', env: 'PGPORT' },
  database: {
    type: 'string',
    aliases: ['dbname', 'db'],
    doc: 'Database name (the path of the URI).',
    env: 'PGDATABASE',
  },
  user: { type: 'string', aliases: ['username'], doc: 'Role to log in as.', env: 'PGUSER' },
  password: { type: 'string', secret: true, doc: 'Password of the role; never logged.', env: 'PGPASSWORD' },
  schema: {
    type: 'string',
    default: 'public',
    doc: 'Schema of `table` (names are taken literally, case and dots included).',
  },
  table: {
    type: 'string',
    doc: 'Source: the table to read (or follow with cdc=true). Sink: the table to write. Taken literally: `a.b` is a table named "a.b"; use `schema` for the schema.',
    example: 'orders',
  },
  query: {
    type: 'string',
    doc: 'Source: a SELECT read as a bounded snapshot instead of a table (not with cdc=true).',
  },
  cdc: {
    type: 'boolean',
    default: false,
    doc: 'Source: read a snapshot of `table`, then follow its changes through logical replication (pgoutput).',
  },
  snapshot: {
    type: 'boolean',
    default: true,
    doc: 'Source with cdc: read the table as it was when the slot was created before the changes; false starts with the changes only.',
  },
  slot: {
    type: 'string',
    aliases: ['slot_name'],
    doc: 'Source with cdc: replication slot name. Default: `ferris_<source name>` in lower case with other characters as `_`.',
  },
  publication: {
    type: 'string',
    aliases: ['publication_name'],
    doc: 'Source with cdc: publication name. Default: `ferris_<source name>_pub` in the same form.',
  },
  create_slot: { type: 'boolean', default: true, doc: 'Source with cdc: create the slot when it does not exist.' },
  create_publication: {
    type: 'boolean',
    default: true,
    doc: 'Source with cdc: create the publication `FOR TABLE <table>` when it does not exist.',
  },
  drop_slot_on_close: {
    type: 'boolean',
    default: false,
    doc: 'Source with cdc: drop the slot (and a publication this source created) when the reader closes. For tests and one-off jobs: a dropped slot cannot resume.',
  },
  replica_identity_full: {
    type: 'boolean',
    default: true,
    doc: 'Source with cdc: set REPLICA IDENTITY FULL on the table when it is not, so updates carry old rows and unchanged TOAST values can be filled in. Needs table ownership.',
  },
  poll_interval: {
    type: 'duration',
    default: 500,
    doc: 'Source with cdc: how long read() waits for changes before returning idle.',
  },
  max_buffered_changes: {
    type: 'integer',
    default: 50_000,
    min: 100,
    doc: 'Source with cdc: changes held in memory before the replication stream is paused (backpressure).',
  },
  fetch_size: {
    type: 'integer',
    min: 1,
    max: 1_000_000,
    doc: 'Source: rows fetched from the snapshot cursor per batch; default: what the job asks for.',
  },
  key: {
    type: 'list',
    aliases: ['primary_key', 'key_columns'],
    doc: 'Sink: key columns for upserts (`INSERT ... ON CONFLICT (key) DO UPDATE`) and deletes by key. Without it the sink appends every row (UPDATE_BEFORE rows are left out).',
  },
  create_table: {
    type: 'boolean',
    default: false,
    doc: 'Sink: create the table from the query schema when it does not exist (with the key as PRIMARY KEY).',
  },
  exactly_once: {
    type: 'boolean',
    default: false,
    doc: 'Sink: store the source positions in `positions_table` in the same transaction as the rows, so a restarted job resumes exactly after the last commit.',
  },
  positions_table: {
    type: 'string',
    default: 'ferris_positions',
    doc: 'Sink with exactly_once: table (in `schema`) holding (job_id, source, position jsonb); created when missing.',
  },
  batch_size: {
    type: 'integer',
    default: 10_000,
    min: 1,
    max: 1_000_000,
    doc: 'Sink: rows per statement: one COPY for appends, one INSERT for upserts (fewer when the row width would pass 65535 parameters). Rows are buffered up to this count, and a statement the server refuses is retried row by row.',
  },
  connect_timeout: { type: 'duration', default: 10_000, doc: 'Time allowed to connect and log in.' },
  application_name: { type: 'string', default: 'ferris', doc: 'Shown in pg_stat_activity.' },
  ssl: {
    type: 'enum',
    values: ['disable', 'require', 'verify-full'],
    default: 'disable',
    aliases: ['sslmode'],
    doc: 'TLS: `require` encrypts without checking the certificate, `verify-full` checks it.',
  },
})

export type PostgresOptions = OptionValues<typeof postgresOptions>
