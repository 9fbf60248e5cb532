import type { ConnectorMetrics } from '@ferris/core'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { BAD_RECORDS_METRIC } from '../dead-letter/bad-record-policy.js'
import { BREAKER_STATE_VALUE, type BreakerState, RECOVERY_METRICS } from '../policies/recovery-hooks.js'

export interface FerrisMetricsOptions {
  /** The `job` label on every metric. */
  readonly job: string
  /** Also export the Node process metrics (CPU, memory, event-loop lag) of prom-client. */
  readonly processMetrics?: boolean
  /** Most distinct connector-defined metrics accepted; later names are counted in `ferris_metrics_dropped_total`. */
  readonly maxCustomMetrics?: number
}

type Labels = Readonly<Record<string, string>>
type MetricKind = 'counter' | 'gauge' | 'histogram'
interface CustomHandle {
  inc(by: number): void
  set(value: number): void
  observe(value: number): void
}

/**
 * The Prometheus metrics of a job, on a prom-client registry of their own (never the global one, so two
 * jobs or an embedding program do not collide). Typed methods for what the engine reports, and
 * `forEndpoint(name)` for the `ConnectorMetrics` a connector receives.
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `ferris_records_in_total` | counter | job, source |
 * | `ferris_records_out_total` | counter | job, sink |
 * | `ferris_bad_records_total` | counter | job, origin, action (failed, skipped, dead_lettered) |
 * | `ferris_retries_total` / `ferris_retry_give_ups_total` | counter | job, endpoint |
 * | `ferris_breaker_state` | gauge: 0 closed, 1 open, 2 half-open | job, endpoint |
 * | `ferris_breaker_opened_total`, `ferris_timeouts_total`, `ferris_bulkhead_rejected_total` | counter | job, endpoint |
 * | `ferris_watermark_lag_seconds` | gauge | job, source |
 * | `ferris_consumer_lag` | gauge: records behind the end | job, source, partition |
 * | `ferris_checkpoint_duration_seconds` | histogram | job |
 * | `ferris_connector_<name>` | connector-defined | job, endpoint, its own |
 */
export class FerrisMetrics {
  readonly registry: Registry
  readonly job: string
  readonly #recordsIn: Counter
  readonly #recordsOut: Counter
  readonly #badRecords: Counter
  readonly #retries: Counter
  readonly #giveUps: Counter
  readonly #breakerState: Gauge
  readonly #breakerOpened: Counter
  readonly #timeouts: Counter
  readonly #bulkheadRejected: Counter
  readonly #watermarkLag: Gauge
  readonly #consumerLag: Gauge
  readonly #checkpointDuration: Histogram
  readonly #dropped: Counter
  readonly #custom = new Map<
    string,
    { kind: MetricKind; metric: Counter | Gauge | Histogram; labels: readonly string[] }
  >()
  readonly #maxCustom: number

  constructor(options: FerrisMetricsOptions) {
    this.job = options.job
    this.#maxCustom = options.maxCustomMetrics ?? 200
    const registry = new Registry()
    this.registry = registry
    const registers = [registry]
    const counter = (name: string, help: string, labelNames: string[]) =>
      new Counter({ name, help, labelNames: ['job', ...labelNames], registers })
    const gauge = (name: string, help: string, labelNames: string[]) =>
      new Gauge({ name, help, labelNames: ['job', ...labelNames], registers })

    this.#recordsIn = counter('ferris_records_in_total', 'Records read from a source', ['source'])
    this.#recordsOut = counter('ferris_records_out_total', 'Records written to a sink', ['sink'])
    this.#badRecords = counter('ferris_bad_records_total', 'Records that could not be read or written', [
      'origin',
      'action',
    ])
    this.#retries = counter('ferris_retries_total', 'Calls tried again after a retryable error', ['endpoint'])
    this.#giveUps = counter('ferris_retry_give_ups_total', 'Calls that failed after their retries', ['endpoint'])
    this.#breakerState = gauge('ferris_breaker_state', 'Circuit breaker state: 0 closed, 1 open, 2 half-open', [
      'endpoint',
    ])
    this.#breakerOpened = counter('ferris_breaker_opened_total', 'Times a circuit breaker opened', ['endpoint'])
    this.#timeouts = counter('ferris_timeouts_total', 'Calls that exceeded their timeout', ['endpoint'])
    this.#bulkheadRejected = counter('ferris_bulkhead_rejected_total', 'Calls refused by a full bulkhead', ['endpoint'])
    this.#watermarkLag = gauge('ferris_watermark_lag_seconds', 'Wall clock minus the watermark of a source', ['source'])
    this.#consumerLag = gauge('ferris_consumer_lag', 'Records between the position read and the end of a partition', [
      'source',
      'partition',
    ])
    this.#checkpointDuration = new Histogram({
      name: 'ferris_checkpoint_duration_seconds',
      help: 'Time from the start of a checkpoint until every sink and source committed',
      labelNames: ['job'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    })
    this.#dropped = counter('ferris_metrics_dropped_total', 'Connector metric updates dropped (too many names)', [])
    if (options.processMetrics === true) collectDefaultMetrics({ register: registry, prefix: 'ferris_process_' })
  }

  get contentType(): string {
    return this.registry.contentType
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics()
  }

  recordsIn(source: string, n: number): void {
    this.#recordsIn.inc({ job: this.job, source }, n)
  }

  recordsOut(sink: string, n: number): void {
    this.#recordsOut.inc({ job: this.job, sink }, n)
  }

  badRecords(origin: string, action: string, n = 1): void {
    this.#badRecords.inc({ job: this.job, origin, action }, n)
  }

  retries(endpoint: string, n = 1): void {
    this.#retries.inc({ job: this.job, endpoint }, n)
  }

  breakerState(endpoint: string, state: BreakerState): void {
    this.#breakerState.set({ job: this.job, endpoint }, BREAKER_STATE_VALUE[state])
  }

  watermarkLag(source: string, seconds: number): void {
    this.#watermarkLag.set({ job: this.job, source }, seconds)
  }

  consumerLag(source: string, partition: string | number, records: number): void {
    this.#consumerLag.set({ job: this.job, source, partition: String(partition) }, records)
  }

  checkpointDuration(seconds: number): void {
    this.#checkpointDuration.observe({ job: this.job }, seconds)
  }

  /**
   * The `ConnectorMetrics` of one source or sink. Names the engine knows (`records_in`, `records_out`,
   * `bad_records`, the `RECOVERY_METRICS`, `watermark_lag_seconds`, `consumer_lag`,
   * `checkpoint_duration_seconds`) go to the metrics above; any other becomes `ferris_connector_<name>`.
   */
  forEndpoint(endpoint: string): ConnectorMetrics {
    const job = this.job

    return {
      count: (name, by = 1, labels = {}) => {
        switch (name) {
          case 'records_in':
            return this.#recordsIn.inc({ job, source: endpoint }, by)
          case 'records_out':
            return this.#recordsOut.inc({ job, sink: endpoint }, by)
          case BAD_RECORDS_METRIC:
            return this.#badRecords.inc(
              { job, origin: labels.origin ?? endpoint, action: labels.action ?? 'skipped' },
              by,
            )
          case RECOVERY_METRICS.retries:
            return this.#retries.inc({ job, endpoint: labels.endpoint ?? endpoint }, by)
          case RECOVERY_METRICS.giveUps:
            return this.#giveUps.inc({ job, endpoint: labels.endpoint ?? endpoint }, by)
          case RECOVERY_METRICS.breakerOpened:
            return this.#breakerOpened.inc({ job, endpoint: labels.endpoint ?? endpoint }, by)
          case RECOVERY_METRICS.timeouts:
            return this.#timeouts.inc({ job, endpoint: labels.endpoint ?? endpoint }, by)
          case RECOVERY_METRICS.bulkheadRejected:
            return this.#bulkheadRejected.inc({ job, endpoint: labels.endpoint ?? endpoint }, by)
          default:
            return this.#customMetric('counter', name, endpoint, labels)?.inc(by)
        }
      },
      gauge: (name, value, labels = {}) => {
        switch (name) {
          case RECOVERY_METRICS.breakerState:
            return this.#breakerState.set({ job, endpoint: labels.endpoint ?? endpoint }, value)
          case 'watermark_lag_seconds':
            return this.#watermarkLag.set({ job, source: endpoint }, value)
          case 'consumer_lag':
            return this.#consumerLag.set({ job, source: endpoint, partition: labels.partition ?? '' }, value)
          default:
            return this.#customMetric('gauge', name, endpoint, labels)?.set(value)
        }
      },
      observe: (name, value, labels = {}) => {
        if (name === 'checkpoint_duration_seconds') return this.#checkpointDuration.observe({ job }, value)

        return this.#customMetric('histogram', name, endpoint, labels)?.observe(value)
      },
    }
  }

  /**
   * A connector-defined metric, created at first use with the label names seen then.
   * Limitation: prom-client fixes label names per metric, so labels a later call adds are dropped and
   * missing ones are exported empty.
   */
  #customMetric(kind: MetricKind, name: string, endpoint: string, labels: Labels): CustomHandle | undefined {
    const base = `ferris_connector_${sanitize(name)}`
    const full = kind === 'counter' && !base.endsWith('_total') ? `${base}_total` : base
    let entry = this.#custom.get(full)
    if (entry !== undefined && entry.kind !== kind) {
      // The same name used as two kinds: Prometheus allows one type per name.
      this.#dropped.inc({ job: this.job })
      return undefined
    }
    if (entry === undefined) {
      if (this.#custom.size >= this.#maxCustom) {
        this.#dropped.inc({ job: this.job })
        return undefined
      }
      const extra = Object.keys(labels)
        .map(sanitize)
        .filter((l) => l !== 'job' && l !== 'endpoint')
        .sort()
      const labelNames = ['job', 'endpoint', ...extra]
      const help = `Connector metric "${name}"`
      const registers = [this.registry]
      const metric =
        kind === 'counter'
          ? new Counter({ name: full, help, labelNames, registers })
          : kind === 'gauge'
            ? new Gauge({ name: full, help, labelNames, registers })
            : new Histogram({ name: full, help, labelNames, registers })
      entry = { kind, metric, labels: extra }
      this.#custom.set(full, entry)
    }
    const values: Record<string, string> = { job: this.job, endpoint }
    for (const l of entry.labels) values[l] = ''
    for (const [k, v] of Object.entries(labels)) {
      const key = sanitize(k)
      if (entry.labels.includes(key)) values[key] = v
    }
    const { metric } = entry

    return {
      inc: (by: number) => (metric as Counter).inc(values, by),
      set: (v: number) => (metric as Gauge).set(values, v),
      observe: (v: number) => (metric as Histogram).observe(values, v),
    }
  }
}

/** A Prometheus metric or label name: `[a-zA-Z_][a-zA-Z0-9_]*`. */
function sanitize(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_]/g, '_')

  return /^[a-zA-Z_]/.test(s) ? s : `_${s}`
}
