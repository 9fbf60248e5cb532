import type { OptionSchema, OptionValues } from '../config/option-schema.js'
import type { ConnectionString } from '../connection/connection-string.js'
import type { ConnectorContext } from '../contracts/context.js'
import type { DataSink } from '../contracts/sink.js'
import type { DataSource } from '../contracts/source.js'

/** The version of this contract. A plugin names the range it was written for in `coreVersion`. */
export const CORE_API_VERSION = '0.1.0'

/** The `package.json` field that points at a connector package's plugin entry: `"ferris": { "plugin": "./dist/plugin.js" }`. */
export const PLUGIN_PACKAGE_FIELD = 'ferris'

/** Raw option values before validation: strings from URIs, properties and the environment. */
export type RawOptions = Record<string, string>

/**
 * One kind of source and/or sink, reached by a URI scheme (`kafka://`) or a legacy `'x.type'` name
 * (`kafka_source`).
 */
export interface ConnectorDefinition<S extends OptionSchema = OptionSchema> {
  /** The URI scheme, lower case: `file`, `kafka`, `s3`. */
  readonly scheme: string
  /** Other schemes for the same connector, e.g. `postgres` beside `postgresql`. */
  readonly aliases?: readonly string[]
  /** The `'x.type'` names of the property style: `{ source: 'file_source', sink: 'file_sink' }`. */
  readonly typeNames?: { readonly source?: string; readonly sink?: string }
  readonly description: string
  readonly options: S
  /**
   * Turns a connection string into raw options: where the host, path and parameters go. Query parameters
   * are usually passed through by name; the path becomes `path`, `topic` or `table` as the connector needs.
   */
  fromConnectionString(uri: ConnectionString): RawOptions
  /**
   * Checks what the options say together, without I/O, for `ferris validate` and the planner: e.g. that a
   * file sink's format can be told from its path. Called after every option was validated on its own; throws
   * FERRIS_CONFIG_INVALID (or FERRIS_UNSUPPORTED). `subject` is the endpoint's name, for error subjects.
   */
  check?(options: OptionValues<S>, role: 'source' | 'sink', subject: string): void
  createSource?(options: OptionValues<S>, context: ConnectorContext): DataSource
  createSink?(options: OptionValues<S>, context: ConnectorContext): DataSink
}

/**
 * What a connector package exports from its plugin entry (the default export, or a named `plugin`). A plain
 * object: no registration happens on import; the host registers it.
 */
export interface ConnectorPlugin {
  /** The npm package name, e.g. `@ferris/connector-kafka`. */
  readonly name: string
  readonly version: string
  /** The range of `CORE_API_VERSION` this plugin supports, as a semver range, e.g. `^0.1.0`. */
  readonly coreVersion: string
  readonly connectors: readonly ConnectorDefinition[]
}

/** Keeps a definition's option types while storing it among others. */
export function defineConnector<const S extends OptionSchema>(definition: ConnectorDefinition<S>): ConnectorDefinition {
  return definition as unknown as ConnectorDefinition
}

export function definePlugin(plugin: ConnectorPlugin): ConnectorPlugin {
  return plugin
}
