/**
 * What a job closes when it ends, in two steps: its readers and writers, all at once, then the sources and
 * sinks they came from, all at once. The final checkpoint (sink commit, then source offsets) is already taken
 * when this runs, so closing concurrently changes no delivery guarantee; it only keeps the slow closes (a
 * Kafka consumer waits for its fetch in flight, a producer for its connections) from adding up one after
 * another. A reader or writer still closes before the connector it belongs to.
 */
export class JobClosers {
  readonly #parts: Array<() => Promise<void>> = []
  readonly #connectors: Array<() => Promise<void>> = []

  /** A reader or writer (closed in the first step). */
  part(close: () => Promise<void>): void {
    this.#parts.push(close)
  }

  /** A source, sink or dead-letter queue (closed in the second step). */
  connector(close: () => Promise<void>): void {
    this.#connectors.push(close)
  }

  /** Closes everything; a close that fails is reported to `onError` and does not stop the others. */
  async closeAll(onError: (error: unknown) => void): Promise<void> {
    for (const step of [this.#parts, this.#connectors]) {
      const outcomes = await Promise.allSettled(step.map((close) => close()))
      for (const o of outcomes) if (o.status === 'rejected') onError(o.reason)
    }
  }
}
