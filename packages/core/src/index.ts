// Errors

export {
  defineOptions,
  type OptionSchema,
  type OptionSpec,
  type OptionValue,
  type OptionValues,
} from './config/option-schema.js'
export { connectorOptions, OptionsBuilder } from './config/options-builder.js'
export { type ValidateOptionsContext, validateOptions } from './config/validate-options.js'
// Connection strings and options
export type { ConnectionHost, ConnectionString } from './connection/connection-string.js'
export {
  formatConnectionString,
  getParam,
  getParams,
  paramsToOptions,
  parseConnectionString,
  redactConnectionString,
} from './connection/parse-connection-string.js'
// Contracts
export type { BadRecord, ConnectorContext, ConnectorMetrics } from './contracts/context.js'
export { noopMetrics } from './contracts/context.js'
export type { JsonValue, Position } from './contracts/position.js'
export type { CommitInfo, DataSink, DataWriter, SinkCapabilities, WriterOptions } from './contracts/sink.js'
export type { DataReader, DataSource, ReaderOptions, ReadResult, SourceCapabilities } from './contracts/source.js'
export * from './errors/index.js'
// Logging
export { LOG_LEVELS, type Logger, type LogLevel, silentLogger } from './logging/logger.js'
// Plugins
export {
  CORE_API_VERSION,
  type ConnectorDefinition,
  type ConnectorPlugin,
  defineConnector,
  definePlugin,
  PLUGIN_PACKAGE_FIELD,
  type RawOptions,
} from './plugins/plugin.js'
export { ConnectorRegistry, type EndpointRole, type EndpointSpec, type ResolvedEndpoint } from './plugins/registry.js'
export { batchOf, batchToObjects, ChangeKind, type Header, type RecordBatch, type RecordMeta } from './records/batch.js'
// Schemas and records
export { type Field, Schema } from './schema/schema.js'
// Types and values
export * from './types/data-type.js'
export { Decimal, divideRounded, isDecimal, MAX_DECIMAL_PRECISION, type RoundingMode } from './types/decimal.js'
export { Interval, isInterval } from './types/interval.js'
export type { Row, StructValue, Value } from './types/value.js'
// Utilities
export { didYouMean, levenshtein } from './util/did-you-mean.js'
