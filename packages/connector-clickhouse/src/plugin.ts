import { CORE_API_VERSION, defineConnector, definePlugin } from '@ferris/core'
import { clickhouseFromConnectionString, clickhouseOptions } from './options.js'
import { ClickhouseSink } from './sink/clickhouse-sink.js'
import { ClickhouseSource } from './source/clickhouse-source.js'

export const clickhouseConnector = defineConnector({
  scheme: 'clickhouse',
  aliases: ['clickhouses'],
  typeNames: { source: 'clickhouse_source', sink: 'clickhouse_sink' },
  description:
    'ClickHouse tables over HTTP: batched JSONEachRow inserts with de-duplication tokens, optional table creation, tables or queries read as streams',
  options: clickhouseOptions,
  fromConnectionString: clickhouseFromConnectionString,
  createSource: (options, context) => new ClickhouseSource(options, context),
  createSink: (options, context) => new ClickhouseSink(options, context),
})

/** The plugin entry named in package.json (`ferris.plugin`). Registering it is the host's job. */
export const plugin = definePlugin({
  name: '@ferris/connector-clickhouse',
  version: '0.1.0',
  coreVersion: `^${CORE_API_VERSION}`,
  connectors: [clickhouseConnector],
})

export default plugin
