import { FerrisError } from '../errors/ferris-error.js'
import type { ConnectionString } from './connection-string.js'

/**
 * Parses a connection string. `subject` names where it came from (`orders.uri`) for error messages.
 * Malformed input fails with FERRIS_CONNECTION_STRING_INVALID showing the redacted input and the expected form.
 */
export function parseConnectionString(text: string, subject = 'connection string'): ConnectionString {
  throw new FerrisError('FERRIS_INTERNAL', `${subject}: connection string parsing is being written (${text.length})`)
}

/** Prints a connection string; the password is redacted unless `revealPassword` is set. */
export function formatConnectionString(cs: ConnectionString, options: { revealPassword?: boolean } = {}): string {
  throw new FerrisError('FERRIS_INTERNAL', `formatting is being written ${cs.scheme} ${String(options.revealPassword)}`)
}
