/**
 * Ferris is silent unless given a logger. Every package logs through this interface, so the CLI can print
 * progress on a terminal or JSON lines elsewhere, and an embedding program can pass its own (pino fits as is).
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error'

export interface Logger {
  /** Cheap check before building an expensive payload. */
  isLevelEnabled(level: LogLevel): boolean
  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void
  /** A logger that adds `fields` (e.g. `{ module: 'connector-file', source: 'orders' }`) to every entry. */
  child(fields: Readonly<Record<string, unknown>>): Logger
}

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error']

/** The default: says nothing. */
export const silentLogger: Logger = {
  isLevelEnabled: () => false,
  log: () => {},
  child: () => silentLogger,
}
