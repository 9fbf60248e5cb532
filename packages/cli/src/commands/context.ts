import type { Logger, LogLevel } from '@ferris/core'
import { createJsonLogger, createTextLogger } from '../output/loggers.js'
import { type LoadedRegistry, loadRegistry } from '../plugins/load-registry.js'

/** What every command needs: where it runs, how it logs, and the connectors installed. */
export interface CommandEnv {
  readonly cwd: string
  readonly logger: Logger
  /** True when progress is drawn on a terminal; false means structured logs only. */
  readonly interactive: boolean
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
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
  const stderr = (text: string) => process.stderr.write(text)
  const logger =
    options.logFormat === 'json' || (!interactive && options.logFormat !== 'text')
      ? createJsonLogger(level)
      : createTextLogger(level, (line) => stderr(`${line}\n`))

  return {
    cwd,
    logger,
    interactive,
    stdout: (text) => process.stdout.write(text),
    stderr,
    loadConnectors: () => loadRegistry(cwd, logger),
  }
}
