import { defineOptions } from '@ferris/core'
import { BACKOFF_KINDS, JITTER_KINDS } from '../policies/backoff.js'

export const BAD_RECORD_MODES = ['fail', 'skip', 'dead_letter'] as const
export type BadRecordMode = (typeof BAD_RECORD_MODES)[number]

/**
 * The recovery keys of one scope, written `job.<key>` for the whole job or `<name>.<key>` for one source or
 * sink. Keys under `dlq.` other than `dlq.uri` are options of the dead-letter sink and are not listed here.
 */
export const RECOVERY_OPTIONS = defineOptions({
  bad_records: {
    type: 'enum',
    values: BAD_RECORD_MODES,
    default: 'fail',
    doc: 'What happens to a record that cannot be read or written: fail the job, skip it (counted), or send it to the dead-letter sink',
  },
  'dlq.uri': {
    type: 'string',
    doc: "Connection string of the dead-letter sink; required with bad_records = 'dead_letter'",
    example: 'file:///var/ferris/dlq/orders.jsonl',
  },
  'retry.max_attempts': {
    type: 'integer',
    min: 1,
    max: 1_000_000,
    // More than the breaker's threshold (5), so a call outlives one open circuit and its cool-down: with the
    // default backoff and a 30 s cool-down, a sink that is away for about two minutes is ridden out.
    default: 10,
    doc: 'Attempts in all for a failing call, the first included; 1 turns retries off',
  },
  'retry.backoff': {
    type: 'enum',
    values: BACKOFF_KINDS,
    default: 'exponential',
    doc: 'How waits between attempts grow: fixed, linear or exponential',
  },
  'retry.initial_delay': { type: 'duration', default: 200, doc: 'Wait before the first retry' },
  'retry.max_delay': { type: 'duration', default: 30_000, doc: 'Longest single wait between attempts' },
  'retry.jitter': {
    type: 'enum',
    values: JITTER_KINDS,
    default: 'full',
    doc: 'Randomisation of exponential waits, so that many clients do not retry in step',
  },
  'retry.deadline': {
    type: 'duration',
    default: 0,
    doc: 'Time after the first attempt after which no retry starts; 0 for none',
  },
  'breaker.failure_threshold': {
    type: 'integer',
    min: 0,
    max: 1_000_000,
    default: 5,
    doc: 'Consecutive failures that open the circuit breaker; 0 turns it off',
  },
  'breaker.cooldown': {
    type: 'duration',
    default: 30_000,
    doc: 'How long an open circuit fails calls at once before letting a trial call through',
  },
  timeout: { type: 'duration', default: 0, doc: 'Longest a single call may take; 0 for no limit' },
})

const SCOPED_PREFIXES = ['retry.', 'breaker.', 'dlq.'] as const
const SCOPED_KEYS = ['bad_records', 'timeout'] as const

/**
 * Whether a property key (with its `<name>.` prefix removed) belongs to recovery rather than to the
 * connector. The job runner strips these before handing the rest to the connector's option validation.
 */
export function isRecoveryProperty(key: string): boolean {
  return (SCOPED_KEYS as readonly string[]).includes(key) || SCOPED_PREFIXES.some((p) => key.startsWith(p))
}
