import { isFerrisError } from '@ferris/core'
import type { RecoveryHooks } from '../policies/recovery-hooks.js'
import type { HealthRegistry } from './health-registry.js'

/**
 * Recovery hooks that keep an endpoint's health current: an open or half-open circuit makes it degraded
 * (the job waits rather than fails), a closed circuit healthy again, and a retry loop that gives up on a
 * retryable error unhealthy (the outage outlasted the retry budget).
 */
export function healthHooks(health: HealthRegistry, kind: string): RecoveryHooks {
  return {
    onBreakerStateChange: ({ subject, state }) => {
      if (state === 'closed') health.report(subject, 'healthy', undefined, kind)
      else if (state === 'open')
        health.report(subject, 'degraded', 'circuit open: calls fail fast until the cool-down ends', kind)
      else health.report(subject, 'degraded', 'circuit half-open: a trial call is running', kind)
    },
    onGiveUp: ({ subject, attempts, reason, error }) => {
      if (reason !== 'attempts_exhausted' && reason !== 'deadline') return
      const text = isFerrisError(error) ? `${error.code}: ${error.message}` : String(error)
      health.report(subject, 'unhealthy', `gave up after ${attempts} attempts: ${text}`, kind)
    },
  }
}

/** Calls every hook of each set in turn. */
export function combineHooks(...sets: ReadonlyArray<RecoveryHooks | undefined>): RecoveryHooks {
  const present = sets.filter((s): s is RecoveryHooks => s !== undefined)

  return {
    onRetry: (e) => {
      for (const s of present) s.onRetry?.(e)
    },
    onGiveUp: (e) => {
      for (const s of present) s.onGiveUp?.(e)
    },
    onBreakerStateChange: (e) => {
      for (const s of present) s.onBreakerStateChange?.(e)
    },
    onTimeout: (e) => {
      for (const s of present) s.onTimeout?.(e)
    },
    onBulkheadRejected: (e) => {
      for (const s of present) s.onBulkheadRejected?.(e)
    },
  }
}
