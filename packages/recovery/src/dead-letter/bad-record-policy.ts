import { type BadRecord, type ConnectorMetrics, FerrisError, type Logger, silentLogger } from '@ferris/core'
import type { RecoveryConfig } from '../config/parse-recovery-config.js'
import type { BadRecordMode } from '../config/recovery-options.js'
import type { DeadLetterQueue } from './dead-letter-queue.js'

export interface BadRecordCounts {
  readonly failed: number
  readonly skipped: number
  readonly deadLettered: number
}

export type BadRecordAction = 'failed' | 'skipped' | 'dead_lettered'

/** The metric the policy counts through `ConnectorMetrics`, labelled `{ origin, action }`. */
export const BAD_RECORDS_METRIC = 'bad_records'

export interface BadRecordPolicyOptions {
  /** The mode of an origin (a source or sink name). */
  readonly modeFor: (origin: string) => BadRecordMode
  /** The queue for an origin in `dead_letter` mode; several origins may share one. */
  readonly deadLetterFor?: (origin: string) => DeadLetterQueue | undefined
  readonly metrics?: ConnectorMetrics
  readonly logger?: Logger
}

interface MutableCounts {
  failed: number
  skipped: number
  deadLettered: number
}

/**
 * The job's answer to `ConnectorContext.reportBadRecord`: per origin, `fail` throws the record's error
 * (the reader lets it propagate and the job stops), `skip` counts it, `dead_letter` queues it for the
 * dead-letter sink. Every record is counted per origin and action, so nothing disappears without a trace.
 * Synchronous and cheap: readers call it once per bad record in the middle of a batch.
 */
export class BadRecordPolicy {
  readonly #options: BadRecordPolicyOptions
  readonly #counts = new Map<string, MutableCounts>()
  readonly #logger: Logger

  constructor(options: BadRecordPolicyOptions) {
    this.#options = options
    this.#logger = options.logger ?? silentLogger
  }

  /**
   * The policy of a parsed recovery configuration. `queues` maps each `DeadLetterTarget.name` (`job.dlq` or
   * `<name>.dlq`) to its open queue. Fails now, not at the first bad record, when a queue is missing.
   */
  static fromConfig(
    config: RecoveryConfig,
    queues: ReadonlyMap<string, DeadLetterQueue>,
    extra: { metrics?: ConnectorMetrics; logger?: Logger } = {},
  ): BadRecordPolicy {
    for (const scope of [config.job, ...config.endpoints.values()]) {
      if (scope.badRecords !== 'dead_letter' || scope.deadLetter === undefined) continue
      if (!queues.has(scope.deadLetter.name)) {
        throw new FerrisError(
          'FERRIS_INTERNAL',
          `No dead-letter queue was opened for ${scope.deadLetter.name}, which '${scope.scope}.bad_records' needs`,
          { subject: scope.scope, hint: 'Open one DeadLetterQueue per DeadLetterTarget.name before the job starts' },
        )
      }
    }

    return new BadRecordPolicy({
      modeFor: (origin) => config.for(origin).badRecords,
      deadLetterFor: (origin) => {
        const target = config.for(origin).deadLetter

        return target === undefined ? undefined : queues.get(target.name)
      },
      ...extra,
    })
  }

  /** Handles one bad record as its origin's mode says. With `fail`, throws the record's error. */
  report(record: BadRecord): void {
    const origin = record.origin
    const counts = this.#countsOf(origin)
    const mode = this.#options.modeFor(origin)
    switch (mode) {
      case 'fail':
        counts.failed++
        this.#count(origin, 'failed')
        throw record.error
      case 'skip':
        counts.skipped++
        this.#count(origin, 'skipped')
        // The first skip of an origin is worth a warning; the rest are in the counts and metrics.
        if (counts.skipped === 1 && this.#logger.isLevelEnabled('warn')) {
          this.#logger.log('warn', `Skipping bad records of ${origin}; the first: ${record.error.message}`, {
            origin,
            code: record.error.code,
            position: record.position,
          })
        }
        return
      case 'dead_letter': {
        const queue = this.#options.deadLetterFor?.(origin)
        if (queue === undefined) {
          throw new FerrisError(
            'FERRIS_CONFIG_INVALID',
            `${origin} sends bad records to a dead-letter sink, but none is configured`,
            {
              subject: `${origin}.dlq.uri`,
              cause: record.error,
              hint: `Add '${origin}.dlq.uri' or 'job.dlq.uri' = '<connection string>'`,
            },
          )
        }
        queue.add(record)
        counts.deadLettered++
        this.#count(origin, 'dead_lettered')
        return
      }
    }
  }

  /** A `reportBadRecord` function to put in a `ConnectorContext`. */
  reporter(): (record: BadRecord) => void {
    return (record) => this.report(record)
  }

  /** Counts of one origin (zeros if it had none). */
  counts(origin: string): BadRecordCounts {
    return { ...(this.#counts.get(origin) ?? { failed: 0, skipped: 0, deadLettered: 0 }) }
  }

  /** Counts of every origin that reported a bad record. */
  allCounts(): ReadonlyMap<string, BadRecordCounts> {
    return new Map([...this.#counts].map(([k, v]) => [k, { ...v }]))
  }

  #countsOf(origin: string): MutableCounts {
    let counts = this.#counts.get(origin)
    if (counts === undefined) {
      counts = { failed: 0, skipped: 0, deadLettered: 0 }
      this.#counts.set(origin, counts)
    }

    return counts
  }

  #count(origin: string, action: BadRecordAction): void {
    this.#options.metrics?.count(BAD_RECORDS_METRIC, 1, { origin, action })
  }
}
