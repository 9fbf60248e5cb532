import { FerrisError } from '../errors/ferris-error.js'
import type { OptionSchema } from './option-schema.js'

export interface ValidateOptionsContext {
  /** The source or sink name, used in messages: `orders.format`. */
  readonly subject: string
  readonly scheme?: string
  /** Environment to read `env` fallbacks from; defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
}

/**
 * Checks raw string options against a schema and returns typed values with defaults applied.
 * Unknown keys (with a did-you-mean), missing required options and bad values fail with
 * FERRIS_CONFIG_INVALID naming `subject.option`, the value seen (redacted if secret) and what is accepted.
 */
export function validateOptions(
  _schema: OptionSchema,
  _raw: Readonly<Record<string, string>>,
  context: ValidateOptionsContext,
): Record<string, unknown> {
  throw new FerrisError('FERRIS_INTERNAL', `option validation for ${context.subject} is being written`)
}
