import type { ConnectorMetrics, DataReader, DataWriter, Logger } from '@ferris/core'
import { isFerrisError } from '@ferris/core'
import {
  EndpointResilience,
  type FerrisMetrics,
  type HealthRegistry,
  type HealthReporter,
  healthHooks,
  type RecoveryHooks,
  type ResilienceOptions,
  resilientReader,
  resilientWriter,
} from '@ferris/recovery'
import type { Operator } from '../execution/operators.js'
import { Watermark } from '../execution/watermark.js'

/**
 * Where a running application reports what it does, for `ferris run --http` or an embedding program's own
 * endpoint. Both parts are optional and cost nothing when absent.
 */
export interface Observability {
  /**
   * Prometheus metrics: records in and out per source and sink, bad records, retries, breaker state and
   * checkpoint durations. Every connector receives `metrics.forEndpoint(name)` as its `ConnectorMetrics`,
   * so a source that knows its consumer lag or watermark lag reports it there as `consumer_lag` or
   * `watermark_lag_seconds`. One instance serves every job of the application: its `job` label names the
   * application, and sources and sinks carry their own names.
   */
  readonly metrics?: FerrisMetrics
  /**
   * Health of every job (`job:<name>`), source and sink: degraded while a circuit breaker is open,
   * unhealthy when a job failed or a call gave up after its retries.
   */
  readonly health?: HealthRegistry
}

/** Sends every update to each of the given metrics. */
export function teeMetrics(...all: ReadonlyArray<ConnectorMetrics | undefined>): ConnectorMetrics | undefined {
  const present = all.filter((m): m is ConnectorMetrics => m !== undefined)
  if (present.length <= 1) return present[0]

  return {
    count: (name, by, labels) => {
      for (const m of present) m.count(name, by, labels)
    },
    gauge: (name, value, labels) => {
      for (const m of present) m.gauge(name, value, labels)
    },
    observe: (name, value, labels) => {
      for (const m of present) m.observe(name, value, labels)
    },
  }
}

/** The observability of one job: metrics by name, its health, and the resilience of its endpoints. */
export class JobObservability {
  readonly #metrics: FerrisMetrics | undefined
  readonly #extra: ConnectorMetrics | undefined
  readonly #health: HealthRegistry | undefined
  readonly #job: HealthReporter | undefined

  readonly #logger: Logger | undefined

  constructor(
    job: string,
    observability: Observability | undefined,
    extra: ConnectorMetrics | undefined,
    logger?: Logger,
  ) {
    this.#logger = logger
    this.#metrics = observability?.metrics
    this.#health = observability?.health
    this.#extra = extra
    this.#job = this.#health?.component(`job:${job}`, 'job')
    this.#job?.degraded('starting')
  }

  /** What the connector or policy of `endpoint` reports to. */
  metricsFor(endpoint: string): ConnectorMetrics | undefined {
    return teeMetrics(this.#extra, this.#metrics?.forEndpoint(endpoint))
  }

  recordsIn(source: string, n: number): void {
    this.#metrics?.recordsIn(source, n)
  }

  recordsOut(sink: string, n: number): void {
    this.#metrics?.recordsOut(sink, n)
  }

  /**
   * Wall clock minus the watermark of the job's event-time operators (the lowest, if several), once a
   * watermark has moved; nothing before the first event time or after a bounded source ended.
   */
  watermarkLag(source: string, operators: readonly Operator[]): void {
    if (this.#metrics === undefined) return
    let lowest: bigint | undefined
    for (const op of operators) {
      const w = op.watermark
      if (w === undefined || w === Watermark.START || w === Watermark.END) continue
      if (lowest === undefined || w < lowest) lowest = w
    }
    if (lowest === undefined) return
    this.#metrics.watermarkLag(source, Number(BigInt(Date.now()) * 1_000_000n - lowest) / 1e9)
  }

  checkpointDuration(seconds: number): void {
    this.#metrics?.checkpointDuration(seconds)
  }

  running(): void {
    this.#job?.healthy()
  }

  failed(error: unknown): void {
    this.#job?.unhealthy(error instanceof Error ? error.message : String(error))
  }

  /** A source or sink registered as healthy, with its policies reporting retries, breaker state and give-ups. */
  resilience(endpoint: string, kind: 'source' | 'sink', options: ResilienceOptions): EndpointResilience {
    this.#health?.component(endpoint, kind)
    const metrics = this.metricsFor(endpoint)
    const health: RecoveryHooks | undefined = this.#health === undefined ? undefined : healthHooks(this.#health, kind)
    const logger = this.#logger
    // Every retry is logged: a job waiting on a dead system must say so, not sit silent.
    const hooks: RecoveryHooks | undefined =
      logger === undefined
        ? health
        : {
            ...health,
            onRetry: (e) => {
              logger.log('warn', `${e.subject}: attempt ${e.attempt} failed, retrying in ${e.delayMs} ms`, {
                [kind]: e.subject,
                attempt: e.attempt,
                delayMs: e.delayMs,
                code: isFerrisError(e.error) ? e.error.code : 'unknown',
                error: e.error instanceof Error ? e.error.message : String(e.error),
              })
              health?.onRetry?.(e)
            },
          }

    return new EndpointResilience(endpoint, options, {
      ...(metrics === undefined ? {} : { metrics }),
      ...(hooks === undefined ? {} : { hooks }),
    })
  }

  /**
   * A writer whose calls are retried (retryable `FerrisError`s only), guarded by a breaker and a timeout as
   * the sink's `retry.*`, `breaker.*` and `timeout` properties say. No abort signal: the runner flushes and
   * commits after a stop, and those calls deserve their attempts. `waitSignal` (the job's) ends the waits
   * between attempts: after a stop nothing sleeps through a retry delay or a breaker cool-down.
   */
  writer(writer: DataWriter, sink: string, options: ResilienceOptions, waitSignal?: AbortSignal): DataWriter {
    return resilientWriter(writer, this.resilience(sink, 'sink', options), undefined, waitSignal)
  }

  /** A reader under the source's policies; `signal` ends a retry wait at once when the job stops. */
  reader(reader: DataReader, source: string, options: ResilienceOptions, signal: AbortSignal): DataReader {
    return resilientReader(reader, this.resilience(source, 'source', options), signal)
  }
}
