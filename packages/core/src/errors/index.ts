export { ERROR_CODES, type ErrorCode, RETRYABLE_BY_DEFAULT } from './error-codes.js'
export {
  type ErrorContext,
  FerrisError,
  type FerrisErrorOptions,
  findFerrisError,
  isFerrisError,
  toFerrisError,
} from './ferris-error.js'
export { isSecretKey, REDACTED, redactSecrets } from './redact.js'
