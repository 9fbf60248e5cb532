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
export type {
  CommitInfo,
  DataSink,
  DataWriter,
  SinkCapabilities,
  UpstreamSource,
  WriterOptions,
} from './contracts/sink.js'
export type {
  DataReader,
  DataSource,
  ReaderOptions,
  ReadResult,
  SourceCapabilities,
  SourceEndpoint,
} from './contracts/source.js'
export * from './errors/index.js'
// Logging
export { LOG_LEVELS, type Logger, type LogLevel, silentLogger } from './logging/logger.js'
export {
  type DiscoveredPlugin,
  type DiscoverPluginsOptions,
  type DiscoverPluginsResult,
  discoverPlugins,
  type PluginLoadError,
} from './plugins/discover-plugins.js'
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
export {
  ConnectorRegistry,
  type EndpointRole,
  type EndpointSpec,
  type ResolvedEndpoint,
  validatePlugin,
} from './plugins/registry.js'
export { compareVersions, isValidRange, parseVersion, satisfiesRange } from './plugins/semver.js'
export {
  batchOf,
  batchToObjects,
  ChangeKind,
  type Header,
  type RecordBatch,
  type RecordMeta,
  type RowLocation,
  splitName,
} from './records/batch.js'
// Schemas and records
export { type Field, Schema } from './schema/schema.js'
export {
  type Converter,
  type ConvertOptions,
  castValue,
  createConverter,
  createTextParser,
  formatValue,
  isValueOf,
  parseValue,
  type TextParser,
} from './types/convert.js'
// Types and values
export * from './types/data-type.js'
export { Decimal, divideRounded, isDecimal, MAX_DECIMAL_PRECISION, type RoundingMode } from './types/decimal.js'
export { Interval, isInterval } from './types/interval.js'
export { type ExactJson, isJsonNumber, JsonNumber, parseExactJson } from './types/json-text.js'
export {
  civilFromDays,
  type Disambiguation,
  daysFromCivil,
  daysInMonth,
  floorDiv,
  floorMod,
  formatDate,
  formatOffset,
  formatTime,
  formatTimestamp,
  getTimeZone,
  instantToLocal,
  isLeapYear,
  localToInstant,
  NANOS_PER_DAY,
  NANOS_PER_HOUR,
  NANOS_PER_MICRO,
  NANOS_PER_MILLI,
  NANOS_PER_MINUTE,
  NANOS_PER_SECOND,
  type ParseTimestampOptions,
  parseDate,
  parseTime,
  parseTimestamp,
  type TimestampFields,
  type TimeZone,
  timestampFields,
  zoneOffsetNanos,
} from './types/timestamp.js'
export type { Row, StructValue, Value } from './types/value.js'
// Utilities
export { bytesPreview } from './util/bytes-preview.js'
export { didYouMean, levenshtein } from './util/did-you-mean.js'
