import { Command, CommanderError, Option } from 'commander'
import { checkCommand } from './commands/check.js'
import { describeConnectors } from './commands/connectors.js'
import { createCommandEnv, type GlobalOptions } from './commands/context.js'
import { describeCommand } from './commands/describe.js'
import { runCommand } from './commands/run.js'
import { EXIT, type ExitCode } from './exit-codes.js'

const VERSION = '0.1.0'

const collect = (value: string, previous: string[]) => [...previous, value]

/** Builds the `ferris` program; `main` runs it. Kept apart so tests drive the same commands. */
export function buildProgram(done: (code: ExitCode) => void): Command {
  const program = new Command('ferris')
    .description('Run continuous SQL over data that moves between systems.')
    .version(VERSION, '-v, --version')
    .addOption(new Option('--log-format <format>', 'text on a terminal, json otherwise').choices(['text', 'json']))
    .addOption(
      new Option('--log-level <level>', 'least severe level logged')
        .choices(['trace', 'debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .option('-C, --cwd <dir>', 'resolve relative paths and find connectors from this folder')
    .showHelpAfterError('(run ferris --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) })
    .exitOverride()

  const env = () => createCommandEnv(program.opts<GlobalOptions>())

  program
    .command('run')
    .description('Run a SQL application until its bounded sources end or until Ctrl-C')
    .argument('<app.sql>', 'the application file')
    .option('-s, --set <key=value>', 'override a WITH property or job setting (repeatable)', collect, [])
    .option(
      '--fresh',
      "ignore the stored checkpoint: files are read from their beginning, a Kafka stream from its group's committed offsets (use a new group_id to re-read), a Kafka table from its start",
      false,
    )
    .option('--http <host:port>', 'serve /health (JSON) and /metrics (Prometheus text) on this address while running')
    .addHelpText(
      'after',
      `
Examples:
  ferris run examples/weather/app.sql
  ferris run app.sql --set 'out.path=./out.parquet' --set job.bad_records=skip
  ferris run app.sql --fresh             # run a finished job again from the start
  ferris run app.sql --http 127.0.0.1:9464
                                         # then: curl 127.0.0.1:9464/metrics, curl 127.0.0.1:9464/health
  ferris run app.sql --log-format json > run.log

Exit codes: 0 done, 1 failed while running, 2 invalid application or arguments, 130 interrupted.`,
    )
    .action(async (file: string, opts: { set: string[]; fresh: boolean; http?: string }) =>
      done(await runCommand(file, opts, env())),
    )

  program
    .command('validate')
    .description('Check a SQL application (syntax, names, types, connector options) without running it')
    .argument('<app.sql>', 'the application file')
    .option('-s, --set <key=value>', 'override a WITH property (repeatable)', collect, [])
    .addHelpText('after', '\nExample:\n  ferris validate examples/weather/app.sql')
    .action(async (file: string, opts: { set: string[] }) =>
      done(await checkCommand(file, { ...opts, explain: false }, env())),
    )

  program
    .command('explain')
    .description('Print the operator tree of each statement of a SQL application')
    .argument('<app.sql>', 'the application file')
    .option('-s, --set <key=value>', 'override a WITH property (repeatable)', collect, [])
    .addHelpText('after', '\nExample:\n  ferris explain examples/weather/app.sql')
    .action(async (file: string, opts: { set: string[] }) =>
      done(await checkCommand(file, { ...opts, explain: true }, env())),
    )

  program
    .command('connectors')
    .description('List the installed connectors with their schemes and options')
    .option('-o, --options', 'list every option of every connector', false)
    .addHelpText('after', '\nExamples:\n  ferris connectors\n  ferris connectors --options')
    .action(async (opts: { options: boolean }) => {
      const e = env()
      e.stdout(`${describeConnectors(await e.loadConnectors(), opts.options)}\n`)
      done(EXIT.OK)
    })

  program
    .command('describe')
    .description("Print a source's schema")
    .argument('<uri>', 'a connection string')
    .addHelpText('after', "\nExample:\n  ferris describe 'file:./examples/data/weather.csv'")
    .action(async (uri: string) => done(await describeCommand(uri, env())))

  return program
}

/** Runs `ferris` with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  let code: ExitCode = EXIT.OK
  const program = buildProgram((c) => {
    code = c
  })
  try {
    await program.parseAsync([...argv], { from: 'user' })
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; anything else is a usage error.
      return error.exitCode === 0 ? EXIT.OK : EXIT.INVALID
    }
    throw error
  }
  if (argv.length === 0) {
    program.outputHelp()
    return EXIT.INVALID
  }

  return code
}
