import type { ConnectorMetrics, FerrisError } from '@ferris/core'

export type BreakerState = 'closed' | 'open' | 'half_open'

/** Why a retry loop stopped with an error. */
export type GiveUpReason = 'not_retryable' | 'attempts_exhausted' | 'deadline' | 'aborted'

/**
 * Callbacks for every decision the policies take, for logs, health and tests. All optional; a hook that
 * throws is a bug in the hook, and the policies do not guard against it.
 */
export interface RecoveryHooks {
  onRetry?(event: { subject: string; attempt: number; delayMs: number; error: unknown }): void
  onGiveUp?(event: { subject: string; attempts: number; reason: GiveUpReason; error: unknown }): void
  onBreakerStateChange?(event: { subject: string; state: BreakerState }): void
  onTimeout?(event: { subject: string; timeoutMs: number }): void
  onBulkheadRejected?(event: { subject: string }): void
}

/** What the policies need besides their options. */
export interface PolicyEnvironment {
  /** Counters in the core metrics interface; names are those of `RECOVERY_METRICS`, labelled `{ endpoint }`. */
  readonly metrics?: ConnectorMetrics
  readonly hooks?: RecoveryHooks
  /**
   * Milliseconds, for the retry deadline; defaults to `Date.now`, which fake timers replace in tests. The
   * breaker's cool-down always uses `Date.now`, as cockatiel does.
   */
  readonly now?: () => number
}

/** The metric names the policies report through `ConnectorMetrics`. */
export const RECOVERY_METRICS = {
  retries: 'retries',
  giveUps: 'retry_give_ups',
  breakerState: 'breaker_state',
  breakerOpened: 'breaker_opened',
  timeouts: 'timeouts',
  bulkheadRejected: 'bulkhead_rejected',
} as const

/** The numeric gauge value of each breaker state. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, open: 1, half_open: 2 }

export type { FerrisError }
