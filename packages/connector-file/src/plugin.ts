import { CORE_API_VERSION, type ConnectionString, defineConnector, definePlugin, type RawOptions } from '@ferris/core'
import { fileOptions } from './options.js'
import { FileSink } from './sink/file-sink.js'
import { sinkFormat } from './sink/sink-format.js'
import { FileSource } from './source/file-source.js'

export const VERSION = '0.1.0'

/** `file:///data/in.csv?format=csv`: the path is `path`; parameters are options by name. */
function fromConnectionString(uri: ConnectionString): RawOptions {
  const raw: RawOptions = {}
  for (const [k, v] of uri.params) raw[k] = v
  const host = uri.hosts[0]?.host
  raw.path = host !== undefined && host !== '' && host !== 'localhost' ? `//${host}${uri.path}` : uri.path

  return raw
}

export const fileConnector = defineConnector({
  scheme: 'file',
  typeNames: { source: 'file_source', sink: 'file_sink' },
  description:
    'Local files: CSV, JSON lines, JSON arrays and Parquet; read once or followed, published atomically at commit',
  options: fileOptions,
  fromConnectionString,
  // The sink's format is known from its options and path alone; the source's may depend on the files found.
  check: (options, role, subject) => {
    if (role === 'sink') sinkFormat(options, options.path, subject)
  },
  createSource: (options, context) => new FileSource(options, context),
  createSink: (options, context) => new FileSink(options, context),
})

/** The plugin object hosts register; nothing registers on import. */
export const plugin = definePlugin({
  name: '@ferris/connector-file',
  version: VERSION,
  coreVersion: `^${CORE_API_VERSION}`,
  connectors: [fileConnector],
})

export default plugin
