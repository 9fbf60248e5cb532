import type { ConnectionString, DataSource, Schema } from '@ferris/core'

/** What a provider is asked to describe. */
export interface SchemaRequest {
  /** The connection string as the user wrote it. Secrets included: never print it, use `redactConnectionString`. */
  readonly uri: string
  readonly connection: ConnectionString
  /** Options besides the URI (`format`, `header`, ...), as raw strings. */
  readonly options: Readonly<Record<string, string>>
  readonly signal?: AbortSignal
}

/**
 * Discovers schemas for some URI schemes: inference from a sample (CSV, JSON lines), a Parquet footer, the
 * Confluent schema registry for a Kafka topic, catalog introspection for a database. A provider that cannot
 * tell (wrong format, no registry configured) returns `undefined` and the registry asks the next one for
 * the same scheme. Connectors register their own providers; this package holds none of their formats.
 */
export interface SchemaProvider {
  /** For messages and `SchemaRegistry.providers()`, e.g. `file-inference`. */
  readonly name: string
  /** Lower-case URI schemes, e.g. `['file']`, `['kafka']`. */
  readonly schemes: readonly string[]
  discover(request: SchemaRequest): Promise<Schema | undefined>
}

/**
 * A provider that infers from a sample: `readSample` fetches it (the first bytes of a file, some messages of
 * a topic) and `infer` turns it into a schema, e.g. `@ferris/formats`' `inferSchema`.
 */
export function inferenceProvider<S>(definition: {
  readonly name: string
  readonly schemes: readonly string[]
  readSample(request: SchemaRequest): Promise<S> | S
  infer(sample: S, request: SchemaRequest): Promise<Schema | undefined> | Schema | undefined
}): SchemaProvider {
  return {
    name: definition.name,
    schemes: definition.schemes,
    discover: async (request) => definition.infer(await definition.readSample(request), request),
  }
}

/**
 * A provider that asks a connector's own `DataSource.discoverSchema` (for sources whose capabilities say
 * `schemaDiscovery`): opens the source, asks, and always closes it.
 */
export function dataSourceProvider(definition: {
  readonly name: string
  readonly schemes: readonly string[]
  createSource(request: SchemaRequest): DataSource | Promise<DataSource>
}): SchemaProvider {
  return {
    name: definition.name,
    schemes: definition.schemes,
    discover: async (request) => {
      const source = await definition.createSource(request)
      try {
        if (!source.capabilities.schemaDiscovery) return undefined
        await source.open()

        return await source.discoverSchema()
      } finally {
        await source.close()
      }
    },
  }
}
