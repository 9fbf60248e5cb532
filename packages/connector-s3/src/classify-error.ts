import { type ErrorCode, FerrisError, isFerrisError } from '@ferris/core'

/** What was being done when an S3 call failed, for the message. */
export interface S3Operation {
  /** `list`, `get`, `put`, `upload part`, ... */
  readonly action: string
  readonly bucket: string
  readonly key?: string
  /** The source or sink name. */
  readonly subject: string
}

const NOT_FOUND = new Set(['NoSuchBucket', 'NoSuchKey', 'NotFound', 'NoSuchUpload'])
const AUTHENTICATION = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
])
const AUTHORIZATION = new Set(['AccessDenied', 'AllAccessDisabled', 'AccountProblem', 'Forbidden'])
const THROTTLED = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'RequestThrottled',
])
const PRECONDITION = new Set(['PreconditionFailed'])
const CONFLICT = new Set(['ConditionalRequestConflict', 'OperationAborted'])
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
])
const TIMEOUTS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException'])

interface SdkErrorShape {
  name?: string
  code?: string
  message?: string
  $metadata?: { httpStatusCode?: number }
  $response?: { statusCode?: number }
  cause?: unknown
}

/**
 * Maps an error from the AWS SDK (or the network under it) to a FerrisError with a stable code, whether it
 * is worth retrying, and a message that says what was done on which object and what to do. Secrets never
 * reach the message: the SDK does not quote credentials, and FerrisError redacts `secret=`-like text anyway.
 */
export function classifyError(error: unknown, op: S3Operation): FerrisError {
  if (isFerrisError(error)) return error
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape
  const name = e.name ?? ''
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode
  const networkCode = findNetworkCode(error)
  const where = `s3://${op.bucket}/${op.key ?? ''}`
  const what = `${op.subject}: ${op.action} ${where} failed`
  const detail = e.message !== undefined && e.message !== '' && e.message !== name ? `: ${e.message}` : ''
  const make = (code: ErrorCode, text: string, hint: string, retryable?: boolean): FerrisError =>
    new FerrisError(code, `${what}: ${text}${detail}`, {
      subject: op.subject,
      location: { object: where },
      hint,
      cause: error,
      ...(retryable === undefined ? {} : { retryable }),
      s3Error: name !== '' ? name : (networkCode ?? 'unknown'),
      ...(status === undefined ? {} : { httpStatus: status }),
    })

  if (name === 'NoSuchBucket' || (op.action === 'head bucket' && status === 404)) {
    return make('FERRIS_NOT_FOUND', `bucket "${op.bucket}" does not exist`, 'Create the bucket, or fix the bucket name')
  }
  if (NOT_FOUND.has(name) || (status === 404 && networkCode === undefined)) {
    return make('FERRIS_NOT_FOUND', `${name || 'not found'} (HTTP 404)`, 'Check the key or prefix exists')
  }
  if (AUTHENTICATION.has(name)) {
    return make(
      'FERRIS_AUTHENTICATION_FAILED',
      `the server did not accept the credentials (${name})`,
      'Check access_key_id and secret_access_key (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE)',
    )
  }
  if (AUTHORIZATION.has(name) || status === 403) {
    return make(
      'FERRIS_AUTHORIZATION_FAILED',
      `access denied (${name || 'HTTP 403'})`,
      `Grant the credentials the S3 permission for ${op.action} on ${where}`,
    )
  }
  if ((PRECONDITION.has(name) || status === 412) && (op.action === 'get' || op.action === 'read range')) {
    return make(
      'FERRIS_CONFLICT',
      'the object changed since it was first read (its ETag no longer matches, HTTP 412)',
      'The object was replaced; it is read again from the start',
      false,
    )
  }
  if (PRECONDITION.has(name) || status === 412) {
    return make(
      'FERRIS_ALREADY_EXISTS',
      'a conditional request failed (HTTP 412): the object exists already or changed',
      'Another writer produced this object; it is left as it is',
      false,
    )
  }
  if (CONFLICT.has(name) || status === 409) {
    return make('FERRIS_CONFLICT', `a concurrent request conflicted (${name || 'HTTP 409'})`, 'Retry', true)
  }
  if (THROTTLED.has(name) || status === 429 || status === 503) {
    return make('FERRIS_THROTTLED', `the server asked to slow down (${name || `HTTP ${status}`})`, 'Retry later')
  }
  if (TIMEOUTS.has(name)) {
    return make(
      'FERRIS_TIMEOUT',
      `the request timed out (${name})`,
      'Check the endpoint is reachable and not overloaded',
    )
  }
  if (networkCode !== undefined) {
    return make(
      'FERRIS_CONNECTION_FAILED',
      `cannot reach the server (${networkCode})`,
      'Check the endpoint option and that the server is running',
    )
  }
  if (status !== undefined && status >= 500) {
    return make('FERRIS_SERVER_ERROR', `the server failed (${name || `HTTP ${status}`})`, 'Retry; check the server')
  }
  if (name === 'InvalidRange') {
    return make('FERRIS_IO', 'the requested range is outside the object', 'The object shrank or was replaced', false)
  }
  if (status !== undefined && status >= 400) {
    return make(
      'FERRIS_IO',
      `the server rejected the request (${name || `HTTP ${status}`})`,
      'Check the options',
      false,
    )
  }

  return make('FERRIS_IO', `unexpected error (${name || 'unknown'})`, 'See the cause', false)
}

function findNetworkCode(error: unknown): string | undefined {
  let e: unknown = error
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code
    e = (e as { cause?: unknown }).cause
  }

  return undefined
}
