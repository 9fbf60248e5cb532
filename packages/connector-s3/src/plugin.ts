import { CORE_API_VERSION, type ConnectionString, defineConnector, definePlugin, type RawOptions } from '@ferris/core'
import { s3Options } from './options.js'
import { S3Sink } from './sink/s3-sink.js'
import { sinkFormat } from './sink/sink-format.js'
import { S3Source } from './source/s3-source.js'

export const VERSION = '0.1.0'

/**
 * `s3://bucket/events/2024-*\/*.parquet?endpoint=...&region=...`: the host is the bucket, the path (without
 * its leading `/`) is `path`, parameters are options by name.
 */
function fromConnectionString(uri: ConnectionString): RawOptions {
  const raw: RawOptions = {}
  for (const [k, v] of uri.params) raw[k] = v
  const bucket = uri.hosts[0]?.host
  if (bucket !== undefined && bucket !== '') raw.bucket = bucket
  raw.path = uri.path.replace(/^\/+/, '')

  return raw
}

export const s3Connector = defineConnector({
  scheme: 's3',
  typeNames: { source: 's3_source', sink: 's3_sink' },
  description:
    'S3 objects: CSV, JSON lines, JSON and Parquet (ranged reads); read once or watched; written by multipart upload, visible at commit',
  options: s3Options,
  fromConnectionString,
  // The sink's format is known from its options and key alone; the source's may depend on the objects found.
  check: (options, role, subject) => {
    if (role === 'sink') sinkFormat(options, subject)
  },
  createSource: (options, context) => new S3Source(options, context),
  createSink: (options, context) => new S3Sink(options, context),
})

/** The plugin object hosts register; nothing registers on import. */
export const plugin = definePlugin({
  name: '@ferris/connector-s3',
  version: VERSION,
  coreVersion: `^${CORE_API_VERSION}`,
  connectors: [s3Connector],
})

export default plugin
