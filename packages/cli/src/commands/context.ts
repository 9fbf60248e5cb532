import type { Logger, LogLevel } from '@ferris/core'
import { createJsonLogger, createTextLogger } from '../output/loggers.js'
import { ProgressLine } from '../output/progress.js'
import { type LoadedRegistry, loadRegistry } from '../plugins/load-registry.js'

/** What every command needs: where it runs, how it logs, and the connectors installed. */
export interface CommandEnv {
  readonly cwd: string
  readonly logger: Logger
  /** True when progress is drawn on a terminal; false means structured logs only. */
  readonly interactive: boolean
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  /**
   * True with `--log-format json`: a failure is then logged as one JSON line too. Without the flag, logs are JSON
   * when stderr is not a terminal, but the final error stays text (with its caret excerpt) for the person reading.
   */
  readonly jsonLogs: boolean
  /** The live status line of an interactive run; other output is printed above it. */
  readonly status?: ProgressLine
  loadConnectors(): Promise<LoadedRegistry>
}

export interface GlobalOptions {
  readonly logFormat?: 'text' | 'json'
  readonly logLevel?: LogLevel
  readonly cwd?: string
}

export function createCommandEnv(options: GlobalOptions): CommandEnv {
  const cwd = options.cwd ?? process.cwd()
  const interactive = options.logFormat !== 'json' && process.stderr.isTTY === true
  const level = options.logLevel ?? 'info'
  const rawStderr = (text: string) => process.stderr.write(text)
  const status = interactive ? new ProgressLine(rawStderr) : undefined
  // On a terminal, everything else is printed above the status line instead of being glued to it.
  const above = (write: (text: string) => void) => (text: string) =>
    status === undefined ? write(text) : status.around(() => write(text))
  const stderr = above(rawStderr)
  const stdout = above((text) => process.stdout.write(text))
  const jsonLogs = options.logFormat === 'json' || (!interactive && options.logFormat !== 'text')
  const logger = jsonLogs ? createJsonLogger(level) : createTextLogger(level, (line) => stderr(`${line}\n`))

  return {
    cwd,
    logger,
    interactive,
    jsonLogs: options.logFormat === 'json',
    stdout,
    stderr,
    ...(status === undefined ? {} : { status }),
    loadConnectors: () => loadRegistry(cwd, logger),
  }
}
