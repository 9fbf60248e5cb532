import { type ErrorCode, FerrisError, isFerrisError } from '@ferris/core'

/** What a PostgreSQL error means for the job. `badRecord`: the row's data was refused, not the connection. */
export interface Classification {
  readonly code: ErrorCode
  readonly retryable: boolean
  readonly badRecord: boolean
}

const NODE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])

/** Classifies by SQLSTATE class (the first two characters), then by Node's network error codes. */
export function classifySqlState(sqlState: string | undefined, nodeCode?: string, message = ''): Classification {
  if (sqlState !== undefined && /^[0-9A-Z]{5}$/.test(sqlState)) {
    if (sqlState === '40001' || sqlState === '40P01')
      return { code: 'FERRIS_CONFLICT', retryable: true, badRecord: false }
    if (sqlState === '42501') return { code: 'FERRIS_AUTHORIZATION_FAILED', retryable: false, badRecord: false }
    if (sqlState === '42P01' || sqlState === '3D000' || sqlState === '3F000') {
      return { code: 'FERRIS_NOT_FOUND', retryable: false, badRecord: false }
    }
    if (sqlState === '42703' || sqlState === '42804')
      return { code: 'FERRIS_SCHEMA_MISMATCH', retryable: false, badRecord: false }
    if (sqlState === '42710' || sqlState === '42P07')
      return { code: 'FERRIS_ALREADY_EXISTS', retryable: false, badRecord: false }
    if (sqlState === '55006') return { code: 'FERRIS_CONFLICT', retryable: true, badRecord: false }
    if (sqlState === '57014') return { code: 'FERRIS_TIMEOUT', retryable: true, badRecord: false }
    switch (sqlState.slice(0, 2)) {
      case '08': // connection exception
      case '57': // operator intervention: admin shutdown, crash shutdown, cannot connect now
        return { code: 'FERRIS_CONNECTION_FAILED', retryable: true, badRecord: false }
      case '28': // invalid authorization specification
        return { code: 'FERRIS_AUTHENTICATION_FAILED', retryable: false, badRecord: false }
      case '23': // integrity constraint violation: this row
        return { code: 'FERRIS_RECORD_MALFORMED', retryable: false, badRecord: true }
      case '22': // data exception: a value the column refuses
        return { code: 'FERRIS_TYPE_CONVERSION', retryable: false, badRecord: true }
      case '40': // transaction rollback
        return { code: 'FERRIS_CONFLICT', retryable: true, badRecord: false }
      case '53': // insufficient resources
        return { code: 'FERRIS_THROTTLED', retryable: true, badRecord: false }
      case '42': // syntax error or access rule violation
        return { code: 'FERRIS_SQL_SEMANTIC', retryable: false, badRecord: false }
      case '25': // invalid transaction state
      case '55': // object not in prerequisite state
        return { code: 'FERRIS_SERVER_ERROR', retryable: false, badRecord: false }
      default:
        return { code: 'FERRIS_SERVER_ERROR', retryable: sqlState.startsWith('58'), badRecord: false }
    }
  }
  if (nodeCode !== undefined && NODE_NETWORK_CODES.has(nodeCode)) {
    return { code: 'FERRIS_CONNECTION_FAILED', retryable: true, badRecord: false }
  }
  if (
    /connection terminated|connection timeout|not queryable|client has encountered a connection error|ended/i.test(
      message,
    )
  ) {
    return { code: 'FERRIS_CONNECTION_FAILED', retryable: true, badRecord: false }
  }

  return { code: 'FERRIS_SERVER_ERROR', retryable: false, badRecord: false }
}

/**
 * Turns anything `pg` throws into a FerrisError whose code and `retryable` follow the SQLSTATE, keeping the
 * server's message, detail and the SQLSTATE itself. Statements and parameters are not copied into it:
 * they may hold row values, which the bad-record policy handles, not error messages.
 */
export function classifyError(error: unknown, subject: string, during: string): FerrisError {
  if (isFerrisError(error)) return error
  const e = (error ?? {}) as {
    code?: unknown
    message?: unknown
    detail?: unknown
    column?: unknown
    constraint?: unknown
  }
  const sqlState = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined
  const nodeCode = typeof e.code === 'string' && sqlState === undefined ? e.code : undefined
  const message = typeof e.message === 'string' ? e.message : String(error)
  const c = classifySqlState(sqlState, nodeCode, message)
  const detail = typeof e.detail === 'string' ? ` (${e.detail})` : ''
  const hint =
    c.code === 'FERRIS_CONNECTION_FAILED'
      ? 'Check that the server is running and reachable; the job retries'
      : c.code === 'FERRIS_AUTHENTICATION_FAILED'
        ? 'Check the user and password'
        : c.code === 'FERRIS_AUTHORIZATION_FAILED'
          ? 'Grant the role the privilege named above'
          : undefined

  return new FerrisError(c.code, `${subject}: ${during} failed: ${message}${detail}`, {
    subject,
    cause: error,
    retryable: c.retryable,
    badRecord: c.badRecord,
    ...(sqlState === undefined ? {} : { sqlState }),
    ...(typeof e.column === 'string' ? { column: e.column } : {}),
    ...(typeof e.constraint === 'string' ? { constraint: e.constraint } : {}),
    ...(hint === undefined ? {} : { hint }),
  })
}
