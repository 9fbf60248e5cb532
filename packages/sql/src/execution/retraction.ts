import { ChangeKind, FerrisError, type Value } from '@ferris/core'
import type { Accumulator } from '../analyzer/aggregate-functions.js'

/** What the runner tells the aggregate operators about their input and their state. */
export interface AggregateStateOptions {
  /** The source's `changelog` capability: `retract` makes the aggregates take back UPDATE_BEFORE and DELETE rows. */
  readonly changelog?: 'retract' | 'upsert'
  /** The change stream's source name, for messages. */
  readonly source?: string
  /** `job.state.ttl`: groups (unwindowed) unchanged for this long are dropped. */
  readonly stateTtlMs?: number
  /** Processing time in epoch milliseconds, for the time-to-live; `Date.now` unless a test injects a clock. */
  readonly clock?: () => number
}

/** UPDATE_BEFORE and DELETE rows take a row back; INSERT and UPDATE_AFTER rows add one. */
export function isRetraction(kind: number): boolean {
  return kind === ChangeKind.UPDATE_BEFORE || kind === ChangeKind.DELETE
}

/** A retraction reached an aggregate whose source did not declare a change stream with old values. */
export function retractionRejected(kind: number): FerrisError {
  const what = kind === ChangeKind.DELETE ? 'DELETE' : 'UPDATE_BEFORE'

  return new FerrisError(
    'FERRIS_UNSUPPORTED',
    `GROUP BY received a ${what} row from a source that does not declare itself a change stream, so its aggregates keep no state to take a row back`,
    {
      value: what,
      hint: "The source connector should report capabilities.changelog = 'retract' (with the memory connector: changelog=retract)",
    },
  )
}

/**
 * The order to apply a row's aggregates in: SUMs first, SUM(DISTINCT) next. A SUM of integers is the only
 * aggregate whose add can fail (BIGINT overflow), and the aggregates applied before a failure are undone,
 * which append-only MIN, MAX, FIRST_VALUE, LAST_VALUE, LISTAGG and DISTINCT cannot do; COUNT, SUM, AVG and
 * the variances always can.
 */
export function applyOrder(
  calls: ReadonlyArray<{ readonly aggregate: { readonly name: string }; readonly distinct: boolean }>,
): number[] {
  const rank = (i: number) => (calls[i]!.aggregate.name !== 'SUM' ? 2 : calls[i]!.distinct ? 1 : 0)

  return calls.map((_, i) => i).sort((a, b) => rank(a) - rank(b) || a - b)
}

/**
 * Adds (or, with `retract`, takes back) one row's values into a group's accumulators, all or nothing: when an
 * aggregate throws (BIGINT overflow, a value it does not hold), the ones before it are undone. `undefined`
 * values are rows a `FILTER (WHERE ...)` left out. `order` comes from `applyOrder`.
 */
export function applyRow(
  accumulators: readonly Accumulator[],
  values: readonly Value[],
  retract: boolean,
  order: readonly number[],
): void {
  let j = 0
  try {
    for (; j < order.length; j++) {
      const a = order[j]!
      const v = values[a]
      if (v === undefined) continue
      if (retract) accumulators[a]!.retract(v)
      else accumulators[a]!.add(v)
    }
  } catch (error) {
    for (let k = j - 1; k >= 0; k--) {
      const a = order[k]!
      const v = values[a]
      if (v === undefined) continue
      if (retract) accumulators[a]!.add(v)
      else accumulators[a]!.retract(v)
    }
    throw error
  }
}
