import type { DataSource, Logger } from '@ferris/core'
import type { Pipeline } from '../execution/operators.js'
import type { AggregateStateOptions } from '../execution/retraction.js'
import type { JobProgress } from './progress.js'

/**
 * Whether the job reads a change stream, from its sources' `changelog` capability (`retract` wins over
 * none; `upsert`, which aggregates cannot take, wins over both so that it is reported).
 */
export function changelogOf(
  ...sources: ReadonlyArray<{ name: string; source: DataSource } | undefined>
): Pick<AggregateStateOptions, 'changelog' | 'source'> {
  let found: Pick<AggregateStateOptions, 'changelog' | 'source'> = {}
  for (const s of sources) {
    const c = s?.source.capabilities.changelog
    if (c === undefined || found.changelog === 'upsert') continue
    found = { changelog: c, source: s!.name }
  }

  return found
}

/** Copies the GROUP BY evictions of `job.state.ttl` into the progress, and logs each new batch of them. */
export function countEvictions(pipeline: Pipeline, progress: JobProgress, logger: Logger): void {
  const evicted = pipeline.evictedGroups
  if (evicted === undefined || evicted === (progress.evictedGroups ?? 0)) return
  const now = evicted - (progress.evictedGroups ?? 0)
  progress.evictedGroups = evicted
  logger.log('info', `Dropped ${now} GROUP BY groups that no row changed within job.state.ttl`, {
    evicted: now,
    total: evicted,
  })
}
