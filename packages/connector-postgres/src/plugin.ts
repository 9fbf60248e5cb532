import { CORE_API_VERSION, type ConnectionString, defineConnector, definePlugin, type RawOptions } from '@ferris/core'
import { postgresOptions } from './options.js'
import { PostgresSink } from './sink/postgres-sink.js'
import { PostgresSource } from './source/postgres-source.js'

export const VERSION = '0.1.0'

/**
 * `postgresql://user:pass@host:port/db?table=t&cdc=true`: host, port, user, password and database come from
 * the URI; every parameter is an option by name. The password never leaves the options object.
 */
function fromConnectionString(uri: ConnectionString): RawOptions {
  const raw: RawOptions = {}
  for (const [k, v] of uri.params) raw[k] = v
  const host = uri.hosts[0]
  if (host !== undefined && host.host !== '') raw.host = host.host
  if (host?.port !== undefined) raw.port = String(host.port)
  if (uri.username !== undefined && uri.username !== '') raw.user = uri.username
  if (uri.password !== undefined) raw.password = uri.password
  const database = uri.path.replace(/^\//, '')
  if (database !== '') raw.database = database

  return raw
}

export const postgresConnector = defineConnector({
  scheme: 'postgresql',
  aliases: ['postgres'],
  typeNames: { source: 'postgres_source', sink: 'postgres_sink' },
  description:
    'PostgreSQL tables: snapshots and logical-replication change capture (pgoutput) as sources; inserts and upserts in transactions, exactly-once with stored positions, as sinks',
  options: postgresOptions,
  fromConnectionString,
  createSource: (options, context) => new PostgresSource(options, context),
  createSink: (options, context) => new PostgresSink(options, context),
})

/** The plugin object hosts register; nothing registers on import. */
export const plugin = definePlugin({
  name: '@ferris/connector-postgres',
  version: VERSION,
  coreVersion: `^${CORE_API_VERSION}`,
  connectors: [postgresConnector],
})

export default plugin
