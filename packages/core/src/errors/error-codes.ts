/**
 * Every error Ferris raises carries one of these codes. The list is the contract: codes are never renamed or
 * reused, only added, so that users can match on them in scripts and alerting.
 */
export const ERROR_CODES = [
  // Input the user wrote: SQL, configuration, connection strings, command-line arguments.
  'FERRIS_SQL_SYNTAX',
  'FERRIS_SQL_SEMANTIC',
  'FERRIS_CONFIG_INVALID',
  'FERRIS_CONNECTION_STRING_INVALID',
  'FERRIS_UNKNOWN_SCHEME',
  'FERRIS_PLUGIN_INVALID',
  // Data that does not fit its declared shape.
  'FERRIS_RECORD_MALFORMED',
  'FERRIS_SCHEMA_MISMATCH',
  'FERRIS_SCHEMA_INCOMPATIBLE',
  'FERRIS_TYPE_CONVERSION',
  'FERRIS_ARITHMETIC_OVERFLOW',
  'FERRIS_DIVISION_BY_ZERO',
  'FERRIS_EVALUATION',
  // Systems at either end.
  'FERRIS_CONNECTION_FAILED',
  'FERRIS_AUTHENTICATION_FAILED',
  'FERRIS_AUTHORIZATION_FAILED',
  'FERRIS_TIMEOUT',
  'FERRIS_NOT_FOUND',
  'FERRIS_ALREADY_EXISTS',
  'FERRIS_CONFLICT',
  'FERRIS_SERVER_ERROR',
  'FERRIS_THROTTLED',
  'FERRIS_IO',
  'FERRIS_UNSUPPORTED',
  // The job itself.
  'FERRIS_CIRCUIT_OPEN',
  'FERRIS_CHECKPOINT_FAILED',
  'FERRIS_CANCELLED',
  'FERRIS_INTERNAL',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

/** Codes that describe a passing condition: the same call may succeed when tried again. */
export const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'FERRIS_CONNECTION_FAILED',
  'FERRIS_TIMEOUT',
  'FERRIS_SERVER_ERROR',
  'FERRIS_THROTTLED',
  'FERRIS_CONFLICT',
  'FERRIS_IO',
])
