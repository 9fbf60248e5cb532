import { type ConnectorContext, formatConnectionString, parseConnectionString, typeToString } from '@ferris/core'
import { dataSourceProvider, SchemaRegistry } from '@ferris/schema'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { isInvalidApplication, reportFailure } from '../output/report-error.js'
import type { CommandEnv } from './context.js'

/**
 * `ferris describe <connection string>`: asks the schema registry, whose providers are the installed
 * connectors' own discovery (a CSV sample, a Parquet footer, a table's catalog entry), and prints the answer.
 */
export async function describeCommand(uri: string, env: CommandEnv): Promise<ExitCode> {
  const controller = new AbortController()
  try {
    const parsed = parseConnectionString(uri, 'the connection string')
    const { registry } = await env.loadConnectors()
    // Resolve first, so an unknown scheme names the package to install rather than "no schema provider".
    registry.definition(parsed.scheme)
    const context: ConnectorContext = {
      name: 'source',
      logger: env.logger,
      metrics: { count: () => {}, gauge: () => {}, observe: () => {} },
      signal: controller.signal,
      cwd: env.cwd,
      reportBadRecord: (r) => {
        throw r.error
      },
    }
    const schemas = new SchemaRegistry().register(
      dataSourceProvider({
        name: 'installed connectors',
        schemes: registry.schemes(),
        createSource: (request) =>
          registry.createSource(
            { name: 'source', role: 'source', properties: { ...request.options, uri: request.uri } },
            context,
          ),
      }),
    )
    try {
      const schema = await schemas.discover(uri, { signal: controller.signal })
      env.stdout(`${formatConnectionString(parsed)}\n`)
      const width = Math.max(...schema.fields.map((f) => f.name.length), 4)
      for (const f of schema.fields) {
        env.stdout(
          `  ${f.name.padEnd(width)}  ${typeToString(f.type)}${f.nullable ? '' : ' NOT NULL'}${f.doc === undefined ? '' : `  -- ${f.doc}`}\n`,
        )
      }
    } finally {
      controller.abort()
    }

    return EXIT.OK
  } catch (error) {
    reportFailure(error, env)

    return isInvalidApplication(error, true) ? EXIT.INVALID : EXIT.RUNTIME_FAILURE
  }
}
