import { type ErrorCode, FerrisError, isFerrisError, redactSecrets } from '@ferris/core'

/** Kafka protocol error types (kafkajs `error.type`) that mean the broker refused who we are. */
const AUTHENTICATION = new Set(['SASL_AUTHENTICATION_FAILED', 'ILLEGAL_SASL_STATE', 'UNSUPPORTED_SASL_MECHANISM'])
const AUTHORIZATION = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'DELEGATION_TOKEN_AUTHORIZATION_FAILED',
])
const NOT_FOUND = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'UNKNOWN_TOPIC_ID',
  'GROUP_ID_NOT_FOUND',
  'TRANSACTIONAL_ID_NOT_FOUND',
])
/** Another producer or group member took over: retrying the same call cannot succeed. */
const FENCED = new Set([
  'INVALID_PRODUCER_EPOCH',
  'PRODUCER_FENCED',
  'FENCED_INSTANCE_ID',
  'INVALID_PRODUCER_ID_MAPPING',
  'INVALID_TXN_STATE',
])
const CONFLICT = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'CONCURRENT_TRANSACTIONS',
  'COORDINATOR_LOAD_IN_PROGRESS',
])
const THROTTLED = new Set(['THROTTLING_QUOTA_EXCEEDED', 'POLICY_VIOLATION'])
const INVALID = new Set([
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_PARTITIONS',
  'INVALID_CONFIG',
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_REQUIRED_ACKS',
  'INVALID_TRANSACTION_TIMEOUT',
  'UNSUPPORTED_VERSION',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
  'UNSUPPORTED_COMPRESSION_TYPE',
])

interface KafkaLikeError {
  readonly name?: string
  readonly message?: string
  readonly type?: string
  readonly retriable?: boolean
  readonly cause?: unknown
  readonly errors?: readonly unknown[]
}

/**
 * Maps a kafkajs error to the Ferris error model: a stable code and whether the same call may succeed when
 * tried again. `what` says what was being done (`reading orders`, `committing offsets of group g`).
 * kafkajs wraps the root cause in `KafkaJSNumberOfRetriesExceeded`; the root decides the code.
 */
export function classifyError(error: unknown, what: string): FerrisError {
  if (isFerrisError(error)) return error
  const e = (error ?? {}) as KafkaLikeError
  const root = rootCause(e)
  const name = root.name ?? e.name ?? 'Error'
  const type = root.type ?? e.type
  const text = redactSecrets(root.message ?? e.message ?? String(error))
  let code: ErrorCode
  let retryable: boolean | undefined
  let hint: string | undefined
  if (type !== undefined && AUTHENTICATION.has(type)) {
    code = 'FERRIS_AUTHENTICATION_FAILED'
    hint = 'Check sasl_mechanism, sasl_username and sasl_password'
  } else if (type !== undefined && AUTHORIZATION.has(type)) {
    code = 'FERRIS_AUTHORIZATION_FAILED'
    hint = 'Grant the user the ACLs it needs on the topic, group or transactional id'
  } else if (type !== undefined && FENCED.has(type)) {
    code = 'FERRIS_CONFLICT'
    retryable = false
    hint =
      'Another producer with the same transactional_id, or a newer group member, took over; make sure only one job uses it'
  } else if (type !== undefined && NOT_FOUND.has(type)) {
    code = 'FERRIS_NOT_FOUND'
    retryable = false
    hint = 'Create the topic, or check its name and the brokers'
  } else if (type !== undefined && CONFLICT.has(type)) {
    code = 'FERRIS_CONFLICT'
    retryable = true
  } else if (type !== undefined && THROTTLED.has(type)) {
    code = 'FERRIS_THROTTLED'
  } else if (type !== undefined && INVALID.has(type)) {
    code = 'FERRIS_CONFIG_INVALID'
    retryable = false
  } else if (name === 'KafkaJSSASLAuthenticationError') {
    code = 'FERRIS_AUTHENTICATION_FAILED'
    hint = 'Check sasl_mechanism, sasl_username and sasl_password'
  } else if (
    name === 'KafkaJSConnectionError' ||
    name === 'KafkaJSConnectionClosedError' ||
    name === 'KafkaJSBrokerNotFound' ||
    name === 'KafkaJSNoBrokerAvailableError' ||
    name === 'KafkaJSGroupCoordinatorNotFound' ||
    name === 'KafkaJSMetadataNotLoaded' ||
    name === 'KafkaJSTopicMetadataNotLoaded' ||
    /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|EPIPE|socket hang up/.test(text)
  ) {
    code = 'FERRIS_CONNECTION_FAILED'
    retryable = true
    hint =
      'Check that the brokers run and bootstrap_servers is right. A broker lost while the job runs is waited for up to reconnect_timeout; one unreachable at the start fails after about 40 s of retries'
  } else if (name === 'KafkaJSRequestTimeoutError' || name === 'KafkaJSTimeout' || name === 'KafkaJSLockTimeout') {
    code = 'FERRIS_TIMEOUT'
    retryable = true
  } else if (name === 'KafkaJSOffsetOutOfRange') {
    code = 'FERRIS_NOT_FOUND'
    retryable = false
    hint = 'The offset was deleted by retention or is past the end; restart from earliest or latest'
  } else if (name === 'KafkaJSServerDoesNotSupportApiKey' || name === 'KafkaJSNotImplemented') {
    code = 'FERRIS_UNSUPPORTED'
  } else if (
    name === 'KafkaJSUnsupportedMagicByteInMessageSet' ||
    name === 'KafkaJSInvalidVarIntError' ||
    name === 'KafkaJSInvalidLongError'
  ) {
    code = 'FERRIS_SERVER_ERROR'
    retryable = false
  } else if (name === 'KafkaJSProtocolError' || name === 'KafkaJSCreateTopicError') {
    code = 'FERRIS_SERVER_ERROR'
    retryable = root.retriable === true
  } else if (name.startsWith('KafkaJS')) {
    code = root.retriable === true ? 'FERRIS_SERVER_ERROR' : 'FERRIS_INTERNAL'
    retryable = root.retriable === true
  } else {
    code = 'FERRIS_INTERNAL'
    retryable = false
  }

  return new FerrisError(code, `Kafka: ${what} failed: ${text}${type === undefined ? '' : ` (${type})`}`, {
    cause: error,
    ...(retryable === undefined ? {} : { retryable }),
    ...(hint === undefined ? {} : { hint }),
  })
}

function rootCause(e: KafkaLikeError): KafkaLikeError {
  let cur = e
  const seen = new Set<unknown>()
  // KafkaJSNumberOfRetriesExceeded and KafkaJSNonRetriableError wrap the error that decided the outcome.
  while (cur.cause !== undefined && cur.cause !== null && typeof cur.cause === 'object' && !seen.has(cur.cause)) {
    seen.add(cur.cause)
    cur = cur.cause as KafkaLikeError
  }
  if (cur.name === 'KafkaJSAggregateError' && cur.errors !== undefined && cur.errors.length > 0)
    return rootCause(cur.errors[0] as KafkaLikeError)

  return cur
}
