import { type ConnectorPlugin, ConnectorRegistry, discoverPlugins, type Logger } from '@ferris/core'

export interface LoadedRegistry {
  readonly registry: ConnectorRegistry
  /** Plugins that were found but could not be loaded, with the reason; shown by `ferris connectors`. */
  readonly failures: ReadonlyArray<{ readonly packageName: string; readonly error: Error }>
}

/**
 * Finds installed connector packages by the plugin convention (a `ferris.plugin` field in package.json)
 * from the working directory upward and from where the CLI itself is installed, so both a project's own
 * `npm install @ferris/connector-kafka` and the connectors installed beside a global `ferris` are seen.
 */
export async function loadRegistry(
  cwd: string,
  logger: Logger,
  extra: readonly ConnectorPlugin[] = [],
): Promise<LoadedRegistry> {
  const found = await discoverPlugins({ paths: [cwd, import.meta.dirname] })
  const registry = new ConnectorRegistry()
  const failures: Array<{ packageName: string; error: Error }> = found.errors.map((e) => ({
    packageName: e.packageName,
    error: e.error,
  }))
  for (const plugin of [...extra, ...found.plugins]) {
    try {
      registry.register(plugin)
      logger.log('debug', 'connector plugin registered', { plugin: plugin.name, version: plugin.version })
    } catch (error) {
      failures.push({ packageName: plugin.name, error: error as Error })
    }
  }
  for (const f of failures) logger.log('warn', `connector package ${f.packageName} was not loaded: ${f.error.message}`)

  return { registry, failures }
}
