import { formatConnectionString, parseConnectionString, typeToString } from '@ferris/core'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { describeFailure, isInvalidApplication } from '../output/report-error.js'
import type { CommandEnv } from './context.js'

/** `ferris describe <connection string>`: opens the source and prints the schema it reports. */
export async function describeCommand(uri: string, env: CommandEnv): Promise<ExitCode> {
  const controller = new AbortController()
  try {
    const parsed = parseConnectionString(uri, 'the connection string')
    const { registry } = await env.loadConnectors()
    const source = registry.createSource(
      { name: 'source', role: 'source', properties: { uri } },
      {
        name: 'source',
        logger: env.logger,
        metrics: { count: () => {}, gauge: () => {}, observe: () => {} },
        signal: controller.signal,
        cwd: env.cwd,
        reportBadRecord: (r) => {
          throw r.error
        },
      },
    )
    try {
      await source.open()
      const schema = await source.discoverSchema()
      env.stdout(`${formatConnectionString(parsed)}\n`)
      if (schema === undefined) {
        env.stdout('  (this source cannot tell its schema; declare one in the application)\n')
      } else {
        const width = Math.max(...schema.fields.map((f) => f.name.length), 4)
        for (const f of schema.fields) {
          env.stdout(
            `  ${f.name.padEnd(width)}  ${typeToString(f.type)}${f.nullable ? '' : ' NOT NULL'}${f.doc === undefined ? '' : `  -- ${f.doc}`}\n`,
          )
        }
      }
    } finally {
      controller.abort()
      await source.close()
    }

    return EXIT.OK
  } catch (error) {
    env.stderr(`${describeFailure(error)}\n`)

    return isInvalidApplication(error) ? EXIT.INVALID : EXIT.RUNTIME_FAILURE
  }
}
