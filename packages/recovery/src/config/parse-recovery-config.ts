import type { EndpointSpec } from '@ferris/core'
import { FerrisError, validateOptions } from '@ferris/core'
import type { BackoffKind, JitterKind } from '../policies/backoff.js'
import type { ResilienceOptions } from '../policies/endpoint-resilience.js'
import { type BadRecordMode, isRecoveryProperty, RECOVERY_OPTIONS } from './recovery-options.js'

/** Where dead letters of a scope go: an endpoint spec ready for `ConnectorRegistry.createSink`. */
export interface DeadLetterTarget {
  /** `job.dlq` when inherited from the job (one sink shared by every endpoint), else `<name>.dlq`. */
  readonly name: string
  readonly spec: EndpointSpec
}

export interface EndpointRecoveryConfig {
  /** `job`, or the source or sink name. */
  readonly scope: string
  readonly badRecords: BadRecordMode
  /** Present when a dead-letter URI is configured for this scope or inherited from the job. */
  readonly deadLetter?: DeadLetterTarget
  readonly resilience: ResilienceOptions
}

export interface RecoveryConfig {
  readonly job: EndpointRecoveryConfig
  readonly endpoints: ReadonlyMap<string, EndpointRecoveryConfig>
  /** The configuration of an endpoint, or the job's for a name without overrides. */
  for(name: string): EndpointRecoveryConfig
}

/**
 * Reads the recovery policies from a job's `WITH` properties: `job.*` for the whole job, `<name>.*` to
 * override it for one source or sink. Keys are those of `RECOVERY_OPTIONS`; every value is validated by
 * core's option validation, so a misspelt key or a bad value fails with the key, the value and what is
 * accepted. Cross-key rules are checked here: `dead_letter` needs a `dlq.uri` (own or inherited) and
 * `retry.max_delay` may not be below `retry.initial_delay`.
 */
export function parseRecoveryConfig(
  properties: Readonly<Record<string, string>>,
  endpointNames: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): RecoveryConfig {
  const jobRaw = scoped(properties, 'job')
  const job = build('job', jobRaw, undefined, env)
  const endpoints = new Map<string, EndpointRecoveryConfig>()
  for (const name of endpointNames) {
    if (name === 'job') {
      throw new FerrisError('FERRIS_CONFIG_INVALID', 'A source or sink may not be called "job"', {
        subject: name,
        hint: "'job.*' properties configure the whole job; rename the stream",
      })
    }
    const own = scoped(properties, name)
    endpoints.set(name, Object.keys(own).length === 0 ? { ...job, scope: name } : build(name, own, jobRaw, env))
  }

  return {
    job,
    endpoints,
    for: (name) => endpoints.get(name) ?? { ...job, scope: name },
  }
}

/** The recovery keys of one scope with the `<scope>.` prefix removed. */
function scoped(properties: Readonly<Record<string, string>>, scope: string): Record<string, string> {
  const prefix = `${scope}.`
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(properties)) {
    if (!key.startsWith(prefix)) continue
    const rest = key.slice(prefix.length)
    if (isRecoveryProperty(rest)) out[rest] = value
  }

  return out
}

function build(
  scope: string,
  own: Record<string, string>,
  inherited: Record<string, string> | undefined,
  env: Readonly<Record<string, string | undefined>>,
): EndpointRecoveryConfig {
  // Sink options of the dead-letter sink (`dlq.format`, ...) travel with its URI and are not validated here.
  const ownDlq = pick(own, 'dlq.')
  const inheritedDlq = inherited === undefined ? {} : pick(inherited, 'dlq.')
  const useOwnDlq = Object.keys(ownDlq).length > 0
  const dlq = useOwnDlq ? ownDlq : inheritedDlq
  const merged: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...inherited, ...own })) if (!k.startsWith('dlq.')) merged[k] = v
  if (dlq.uri !== undefined) merged['dlq.uri'] = dlq.uri

  const v = validateOptions(RECOVERY_OPTIONS, merged, { subject: scope, env }) as {
    bad_records: BadRecordMode
    'dlq.uri'?: string
    'retry.max_attempts': number
    'retry.backoff': BackoffKind
    'retry.initial_delay': number
    'retry.max_delay': number
    'retry.jitter': JitterKind
    'retry.deadline': number
    'breaker.failure_threshold': number
    'breaker.cooldown': number
    timeout: number
  }

  if (v.bad_records === 'dead_letter' && v['dlq.uri'] === undefined) {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `'${scope}.bad_records' is 'dead_letter' but no dead-letter sink is configured`,
      {
        subject: `${scope}.dlq.uri`,
        expected: 'a connection string for the dead-letter sink',
        hint: `Add '${scope}.dlq.uri' = 'file:///path/to/dead-letters.jsonl'${scope === 'job' ? '' : " (or 'job.dlq.uri' for every source and sink)"}`,
      },
    )
  }
  if (v['retry.max_delay'] < v['retry.initial_delay']) {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `'${scope}.retry.max_delay' (${v['retry.max_delay']} ms) is shorter than '${scope}.retry.initial_delay' (${v['retry.initial_delay']} ms)`,
      {
        subject: `${scope}.retry.max_delay`,
        value: merged['retry.max_delay'] ?? `${v['retry.max_delay']}ms (default)`,
        expected: `at least ${v['retry.initial_delay']} ms`,
        hint: `Raise '${scope}.retry.max_delay' or lower '${scope}.retry.initial_delay'`,
      },
    )
  }

  const dlqOwner = useOwnDlq ? scope : 'job'
  const { uri: _uri, ...dlqRest } = dlq
  const deadLetter: DeadLetterTarget | undefined =
    v['dlq.uri'] === undefined
      ? undefined
      : {
          name: `${dlqOwner}.dlq`,
          spec: { name: `${dlqOwner}.dlq`, role: 'sink', properties: { uri: v['dlq.uri'], ...dlqRest } },
        }

  return {
    scope,
    badRecords: v.bad_records,
    ...(deadLetter === undefined ? {} : { deadLetter }),
    resilience: {
      retry: {
        maxAttempts: v['retry.max_attempts'],
        backoff: v['retry.backoff'],
        initialDelay: v['retry.initial_delay'],
        maxDelay: v['retry.max_delay'],
        jitter: v['retry.jitter'],
        deadline: v['retry.deadline'],
      },
      breaker: { failureThreshold: v['breaker.failure_threshold'], cooldown: v['breaker.cooldown'] },
      timeout: v.timeout,
    },
  }
}

function pick(raw: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(raw)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v

  return out
}
