import {
  ConstantBackoff,
  DelegateBackoff,
  decorrelatedJitterGenerator,
  ExponentialBackoff,
  fullJitterGenerator,
  type IBackoffFactory,
  type IRetryBackoffContext,
  noJitterGenerator,
} from 'cockatiel'

export const BACKOFF_KINDS = ['fixed', 'linear', 'exponential'] as const
export type BackoffKind = (typeof BACKOFF_KINDS)[number]

export const JITTER_KINDS = ['none', 'full', 'decorrelated'] as const
export type JitterKind = (typeof JITTER_KINDS)[number]

export interface BackoffOptions {
  readonly kind: BackoffKind
  /** Milliseconds before the first retry. */
  readonly initialDelay: number
  /** Upper bound of any single wait, milliseconds. */
  readonly maxDelay: number
  /** Only for `exponential`: how waits are randomised so that many clients do not retry in step. */
  readonly jitter: JitterKind
}

type Factory = IBackoffFactory<IRetryBackoffContext<unknown>>

/**
 * The waits between attempts, built on cockatiel's backoffs:
 * - `fixed`: `initialDelay` every time;
 * - `linear`: `initialDelay × n` before retry n, capped at `maxDelay`;
 * - `exponential`: `initialDelay × 2^(n-1)` capped at `maxDelay`, randomised by `jitter`.
 */
export function createBackoff(options: BackoffOptions): Factory {
  const { initialDelay, maxDelay } = options
  switch (options.kind) {
    case 'fixed':
      return new ConstantBackoff(Math.min(initialDelay, maxDelay))
    case 'linear':
      return new DelegateBackoff<IRetryBackoffContext<unknown>>((context) =>
        Math.min(initialDelay * context.attempt, maxDelay),
      )
    case 'exponential': {
      const shared = { initialDelay, maxDelay, exponent: 2 }
      switch (options.jitter) {
        case 'none':
          return new ExponentialBackoff({ ...shared, generator: noJitterGenerator })
        case 'full':
          return new ExponentialBackoff({ ...shared, generator: fullJitterGenerator })
        case 'decorrelated':
          return new ExponentialBackoff({ ...shared, generator: decorrelatedJitterGenerator })
      }
    }
  }
}
