import { type ErrorCode, FerrisError, isFerrisError, redactSecrets } from '@ferris/core'

/** ClickHouse exception codes by what they mean for us. Names as in ClickHouse's ErrorCodes.cpp. */
const AUTHENTICATION = new Set([192, 193, 194, 516]) // UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, AUTHENTICATION_FAILED
const AUTHORIZATION = new Set([164, 291, 497]) // READONLY, DATABASE_ACCESS_DENIED, ACCESS_DENIED
const NOT_FOUND = new Set([16, 47, 60, 81]) // NO_SUCH_COLUMN_IN_TABLE, UNKNOWN_IDENTIFIER, UNKNOWN_TABLE, UNKNOWN_DATABASE
const ALREADY_EXISTS = new Set([57, 82]) // TABLE_ALREADY_EXISTS, DATABASE_ALREADY_EXISTS
const SYNTAX = new Set([62]) // SYNTAX_ERROR
const UNSUPPORTED = new Set([1, 48, 50, 115, 344]) // UNSUPPORTED_METHOD, NOT_IMPLEMENTED, UNKNOWN_TYPE, UNKNOWN_SETTING, SUPPORT_IS_DISABLED
/**
 * The data of an INSERT was refused: a value the column cannot take. Retrying the same block fails again;
 * the writer splits it to find the row. 18.16 reports an unknown Enum element as 49 (LOGICAL_ERROR), current
 * servers as 691 (UNKNOWN_ELEMENT_OF_ENUM).
 */
export const DATA_REJECTED = new Set([6, 26, 27, 32, 38, 41, 49, 53, 69, 70, 72, 117, 131, 691])
const THROTTLED = new Set([202, 203, 252]) // TOO_MANY_SIMULTANEOUS_QUERIES, NO_FREE_CONNECTION, TOO_MANY_PARTS
const TIMEOUT = new Set([159, 209]) // TIMEOUT_EXCEEDED, SOCKET_TIMEOUT
/** Passing server conditions: memory, network, replication, shutdown. */
const TRANSIENT = new Set([3, 210, 225, 241, 242, 319, 394, 425, 999, 1000])
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
])

export interface ClassifiedError {
  readonly code: ErrorCode
  readonly retryable: boolean
  /** The ClickHouse exception code, when the server answered with one. */
  readonly serverCode?: number
  /** True when the request cannot have reached the server (connection refused): resending never duplicates. */
  readonly notSent: boolean
}

/** Reads what an error from @clickhouse/client (or Node's HTTP stack) means. */
export function classify(error: unknown): ClassifiedError {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown; type?: unknown }
  const message = typeof e?.message === 'string' ? e.message : String(error)
  const sys = typeof e?.code === 'string' && /^E[A-Z_]+$/.test(e.code) ? e.code : systemCode(e?.cause)
  if (sys === 'ECONNREFUSED') return { code: 'FERRIS_CONNECTION_FAILED', retryable: true, notSent: true }
  if (sys !== undefined && NETWORK.has(sys))
    return { code: 'FERRIS_CONNECTION_FAILED', retryable: true, notSent: false }
  if (sys === 'ETIMEDOUT' || /^Timeout error/i.test(message))
    return { code: 'FERRIS_TIMEOUT', retryable: true, notSent: false }
  if (sys === 'ENOTFOUND') return { code: 'FERRIS_CONNECTION_FAILED', retryable: false, notSent: true }
  // Current servers: ClickHouseError with a numeric `code`; 18.16: only the text "Code: 60, e.displayText() = ...".
  const server =
    typeof e?.code === 'string' && /^\d+$/.test(e.code)
      ? Number(e.code)
      : Number(/\bCode: (\d+)/.exec(message)?.[1] ?? Number.NaN)
  if (Number.isNaN(server)) {
    const status = Number(/\bstatus(?: code)?:? (\d{3})\b/i.exec(message)?.[1] ?? Number.NaN)
    if (status === 401) return { code: 'FERRIS_AUTHENTICATION_FAILED', retryable: false, notSent: false }
    if (status === 403) return { code: 'FERRIS_AUTHORIZATION_FAILED', retryable: false, notSent: false }
    if (status === 429) return { code: 'FERRIS_THROTTLED', retryable: true, notSent: false }
    if (status >= 500) return { code: 'FERRIS_SERVER_ERROR', retryable: true, notSent: false }
    if (/socket hang up|other side closed|terminated/i.test(message)) {
      return { code: 'FERRIS_CONNECTION_FAILED', retryable: true, notSent: false }
    }

    return { code: 'FERRIS_INTERNAL', retryable: false, notSent: false }
  }
  const withCode = (code: ErrorCode, retryable: boolean): ClassifiedError => ({
    code,
    retryable,
    serverCode: server,
    notSent: false,
  })
  if (AUTHENTICATION.has(server)) return withCode('FERRIS_AUTHENTICATION_FAILED', false)
  if (AUTHORIZATION.has(server)) return withCode('FERRIS_AUTHORIZATION_FAILED', false)
  if (NOT_FOUND.has(server)) return withCode('FERRIS_NOT_FOUND', false)
  if (ALREADY_EXISTS.has(server)) return withCode('FERRIS_ALREADY_EXISTS', false)
  if (SYNTAX.has(server)) return withCode('FERRIS_SQL_SYNTAX', false)
  if (UNSUPPORTED.has(server)) return withCode('FERRIS_UNSUPPORTED', false)
  if (DATA_REJECTED.has(server)) return withCode('FERRIS_RECORD_MALFORMED', false)
  if (THROTTLED.has(server)) return withCode('FERRIS_THROTTLED', true)
  if (TIMEOUT.has(server)) return withCode('FERRIS_TIMEOUT', true)
  if (TRANSIENT.has(server)) return withCode('FERRIS_SERVER_ERROR', true)

  // An exception we have not listed is most likely about the statement itself: do not loop on it.
  return withCode('FERRIS_SERVER_ERROR', false)
}

function systemCode(cause: unknown): string | undefined {
  const c = cause as { code?: unknown; errors?: unknown } | undefined
  if (typeof c?.code === 'string') return c.code
  if (Array.isArray(c?.errors)) return systemCode(c.errors[0])

  return undefined
}

/**
 * Maps an error of @clickhouse/client to the Ferris error model: a stable code, whether the same call may
 * succeed later, and a message that says what was being done. `what` reads like `inserting into ferris.t`.
 */
export function classifyError(error: unknown, what: string, subject?: string): FerrisError {
  if (isFerrisError(error)) return error
  const c = classify(error)
  const raw = error instanceof Error ? error.message : String(error)
  // 18.16 appends ", e.what() = DB::Exception"; keep the part a person reads.
  const text = redactSecrets(raw.replace(/,\s*e\.what\(\) = DB::Exception\s*$/s, '').trim())
  const hint = HINTS[c.code]

  return new FerrisError(c.code, `ClickHouse failed ${what}: ${text}`, {
    ...(subject === undefined ? {} : { subject }),
    ...(c.serverCode === undefined ? {} : { serverCode: c.serverCode }),
    ...(hint === undefined ? {} : { hint }),
    retryable: c.retryable,
    cause: error,
  })
}

const HINTS: Partial<Record<ErrorCode, string>> = {
  FERRIS_CONNECTION_FAILED:
    'Check that the server runs and the url is right (for tests: start it with tools/services/clickhouse/start)',
  FERRIS_AUTHENTICATION_FAILED: 'Check the user name and password',
  FERRIS_AUTHORIZATION_FAILED: 'Grant the user the rights it needs on the database and table',
  FERRIS_NOT_FOUND: 'Create the table (or set create_table = true), or correct the database and table names',
  FERRIS_UNSUPPORTED: 'The server version lacks this; see the connector README for what each version supports',
}
