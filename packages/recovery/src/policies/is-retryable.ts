import { isFerrisError } from '@ferris/core'

/**
 * The one rule every Ferris policy applies: retry only what the error model says may pass. A plain `Error`
 * reaching a policy is a connector that did not classify its failure, and guessing would retry poisoned
 * input forever, so it stops at once.
 */
export function isRetryable(error: unknown): boolean {
  return isFerrisError(error) && error.retryable
}
