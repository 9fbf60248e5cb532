import { isFerrisError, type Logger, redactSecrets } from '@ferris/core'
import { APPLICATION_FILE } from '../app/read-application.js'

/**
 * The text a person sees when a command fails: the error's code, message and context lines, never a bare
 * stack trace. Unexpected errors (bugs) say so and ask for a report; `FERRIS_DEBUG=1` adds the stack.
 */
export function describeFailure(error: unknown): string {
  const debug = process.env.FERRIS_DEBUG === '1'
  if (isFerrisError(error)) {
    return debug && error.stack !== undefined ? `${error.describe()}\n${redactSecrets(error.stack)}` : error.describe()
  }
  const message = error instanceof Error ? error.message : String(error)
  const lines = [
    `FERRIS_INTERNAL: ${redactSecrets(message)}`,
    '  hint: this is a bug in Ferris; run again with FERRIS_DEBUG=1 and report the output',
  ]
  if (debug && error instanceof Error && error.stack !== undefined) lines.push(redactSecrets(error.stack))

  return lines.join('\n')
}

/** Codes that mean the application or command line is wrong, as opposed to a failure while running. */
const INVALID_CODES = new Set([
  'FERRIS_SQL_SYNTAX',
  'FERRIS_SQL_SEMANTIC',
  'FERRIS_CONFIG_INVALID',
  'FERRIS_CONNECTION_STRING_INVALID',
  'FERRIS_UNKNOWN_SCHEME',
  'FERRIS_PLUGIN_INVALID',
])

/**
 * Whether `error` means the application or command line is wrong (exit code 2). `beforeStart`: no job had
 * started reading yet, so something the application names that does not exist (an input file, a topic, a
 * table) is the application's fault too; once jobs run, a thing that disappears is a failure while running.
 */
export function isInvalidApplication(error: unknown, beforeStart = false): boolean {
  return (
    isFerrisError(error) &&
    (INVALID_CODES.has(error.code) ||
      error.context.subject === APPLICATION_FILE ||
      (beforeStart && error.code === 'FERRIS_NOT_FOUND'))
  )
}

/**
 * Reports a command's failure: the text of `describeFailure` for a person, or, when logs are JSON lines, one
 * `error` log line with the code and context as fields, so a log consumer can parse every line it gets.
 */
export function reportFailure(
  error: unknown,
  env: { readonly jsonLogs: boolean; readonly logger: Logger; readonly stderr: (text: string) => void },
): void {
  if (!env.jsonLogs) {
    env.stderr(`${describeFailure(error)}\n`)
    return
  }
  const fields = isFerrisError(error)
    ? error.toJSON()
    : { code: 'FERRIS_INTERNAL', message: redactSecrets(error instanceof Error ? error.message : String(error)) }
  env.logger.log('error', `${String(fields.code)}: ${String(fields.message)}`, fields)
}
