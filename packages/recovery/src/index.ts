// Policies

// Configuration
export {
  type DeadLetterTarget,
  type EndpointRecoveryConfig,
  parseRecoveryConfig,
  type RecoveryConfig,
} from './config/parse-recovery-config.js'
export {
  BAD_RECORD_MODES,
  type BadRecordMode,
  isRecoveryProperty,
  RECOVERY_OPTIONS,
} from './config/recovery-options.js'
// Bad records and dead letters
export {
  BAD_RECORDS_METRIC,
  type BadRecordAction,
  type BadRecordCounts,
  BadRecordPolicy,
  type BadRecordPolicyOptions,
} from './dead-letter/bad-record-policy.js'
export {
  type DeadLetterOpenOptions,
  DeadLetterQueue,
  type DeadLetterQueueOptions,
} from './dead-letter/dead-letter-queue.js'
export { deadLetterRow } from './dead-letter/dead-letter-row.js'
export { DEAD_LETTER_SCHEMA } from './dead-letter/dead-letter-schema.js'
export { toJsonText } from './dead-letter/to-json-text.js'
// Health, metrics and their HTTP endpoint
export { combineHooks, healthHooks } from './health/health-hooks.js'
export {
  type ComponentHealth,
  HealthRegistry,
  type HealthReporter,
  type HealthSnapshot,
  type HealthStatus,
} from './health/health-registry.js'
export {
  type ObservabilityServer,
  type ObservabilityServerOptions,
  startObservabilityServer,
} from './http/observability-server.js'
export { FerrisMetrics, type FerrisMetricsOptions } from './metrics/ferris-metrics.js'
export {
  BACKOFF_KINDS,
  type BackoffKind,
  type BackoffOptions,
  createBackoff,
  JITTER_KINDS,
  type JitterKind,
} from './policies/backoff.js'
export { Bulkhead } from './policies/bulkhead-policy.js'
export { type BreakerOptions, CircuitBreaker, DEFAULT_BREAKER } from './policies/circuit-breaker.js'
export { EndpointResilience, type ResilienceOptions } from './policies/endpoint-resilience.js'
export { isRetryable } from './policies/is-retryable.js'
export {
  BREAKER_STATE_VALUE,
  type BreakerState,
  type GiveUpReason,
  type PolicyEnvironment,
  RECOVERY_METRICS,
  type RecoveryHooks,
} from './policies/recovery-hooks.js'
export { resilientReader, resilientWriter } from './policies/resilient-connectors.js'
export { type AttemptContext, DEFAULT_RETRY, type RetryOptions, RetryPolicy } from './policies/retry-policy.js'
export { TimeoutPolicy } from './policies/timeout-policy.js'
