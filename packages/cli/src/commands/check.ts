import { explain, plan } from '@ferris/sql'
import { parseSetOptions, readApplication } from '../app/read-application.js'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { isInvalidApplication, reportFailure } from '../output/report-error.js'
import type { CommandEnv } from './context.js'

/**
 * `ferris validate` and `ferris explain`: check the whole application (syntax, names, types, WITH keys,
 * connector options, source schemas) without running it; explain also prints the operator tree.
 */
export async function checkCommand(
  file: string,
  options: { readonly set: readonly string[]; readonly explain: boolean },
  env: CommandEnv,
): Promise<ExitCode> {
  try {
    const app = await readApplication(file, env.cwd)
    const { registry } = await env.loadConnectors()
    const planned = await plan(app.text, { registry, cwd: env.cwd, set: parseSetOptions(options.set), fileName: file })
    if (options.explain) env.stdout(`${explain(planned)}\n`)
    else {
      const jobs = planned.jobs.map((j) => j.name).join(', ')
      env.stdout(`${file} is valid: ${planned.jobs.length} job${planned.jobs.length === 1 ? '' : 's'} (${jobs})\n`)
    }

    return EXIT.OK
  } catch (error) {
    reportFailure(error, env)

    return isInvalidApplication(error, true) ? EXIT.INVALID : EXIT.RUNTIME_FAILURE
  }
}
