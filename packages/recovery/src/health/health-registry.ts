export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy'

const RANK: Readonly<Record<HealthStatus, number>> = { healthy: 0, degraded: 1, unhealthy: 2 }

export interface ComponentHealth {
  readonly name: string
  /** `source`, `sink`, `operator`, `job`, ... */
  readonly kind: string
  readonly status: HealthStatus
  readonly reason?: string
  /** When the component entered this status, ISO 8601. */
  readonly since: string
}

export interface HealthSnapshot {
  /** The worst status of any component; `healthy` when none reported. */
  readonly status: HealthStatus
  readonly components: readonly ComponentHealth[]
  readonly checkedAt: string
}

/** What a component holds to report its own state. */
export interface HealthReporter {
  healthy(): void
  degraded(reason: string): void
  unhealthy(reason: string): void
  /** Takes the component out of the aggregate (it stopped on purpose). */
  remove(): void
}

interface Entry {
  kind: string
  status: HealthStatus
  reason: string | undefined
  since: number
}

/**
 * The state of every source, operator and sink of a job (or of several jobs), reported by the components
 * themselves and aggregated on demand: the whole is as healthy as its worst part. Reports only change
 * memory; reading a snapshot costs one pass over the components.
 */
export class HealthRegistry {
  readonly #entries = new Map<string, Entry>()
  readonly #now: () => number

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? (() => Date.now())
  }

  /** Registers a component as healthy and returns its reporter. Registering a name again returns a reporter for it. */
  component(name: string, kind = 'component'): HealthReporter {
    if (!this.#entries.has(name)) this.report(name, 'healthy', undefined, kind)

    return {
      healthy: () => this.report(name, 'healthy', undefined, kind),
      degraded: (reason) => this.report(name, 'degraded', reason, kind),
      unhealthy: (reason) => this.report(name, 'unhealthy', reason, kind),
      remove: () => {
        this.#entries.delete(name)
      },
    }
  }

  report(name: string, status: HealthStatus, reason?: string, kind?: string): void {
    const previous = this.#entries.get(name)
    const since = previous !== undefined && previous.status === status ? previous.since : this.#now()
    this.#entries.set(name, { kind: kind ?? previous?.kind ?? 'component', status, reason, since })
  }

  status(name: string): HealthStatus | undefined {
    return this.#entries.get(name)?.status
  }

  snapshot(): HealthSnapshot {
    let worst: HealthStatus = 'healthy'
    const components: ComponentHealth[] = []
    for (const [name, e] of this.#entries) {
      if (RANK[e.status] > RANK[worst]) worst = e.status
      components.push({
        name,
        kind: e.kind,
        status: e.status,
        ...(e.reason === undefined ? {} : { reason: e.reason }),
        since: new Date(e.since).toISOString(),
      })
    }

    return { status: worst, components, checkedAt: new Date(this.#now()).toISOString() }
  }
}
