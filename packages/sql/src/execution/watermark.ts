/**
 * The event-time clock of one job: the largest event time seen minus the declared out-of-orderness
 * (`'<source>.watermark.delay'`). Windows whose end is at or below the watermark are complete.
 *
 * An idle source would hold the watermark still, and its windows open, forever; with `job.idle_timeout`
 * set, a source that delivered nothing for that long moves the watermark to the wall clock minus the delay,
 * which assumes event time follows the wall clock. When a bounded source ends the watermark moves to the
 * end of time, so every open window closes.
 */
export class Watermark {
  /** Before any record: nothing is complete. */
  static readonly START = -(2n ** 127n)
  /** After the end of bounded input. */
  static readonly END = 2n ** 127n

  readonly #delay: bigint
  readonly #idleTimeout: bigint | undefined
  #maxEventTime = Watermark.START
  #current = Watermark.START
  /** Wall-clock time (epoch ns) of the last record. */
  #lastArrival: bigint | undefined

  constructor(delayNanos: bigint, idleTimeoutNanos?: bigint) {
    this.#delay = delayNanos
    this.#idleTimeout = idleTimeoutNanos
  }

  get current(): bigint {
    return this.#current
  }

  /** Called for every record's event time; the watermark itself moves in `advance`, once per batch. */
  observe(eventTime: bigint): void {
    if (eventTime > this.#maxEventTime) this.#maxEventTime = eventTime
  }

  /** After a batch: moves the watermark up to what the records seen allow. Never moves it back. */
  advance(wallNanos?: bigint): bigint {
    if (wallNanos !== undefined) this.#lastArrival = wallNanos
    if (this.#maxEventTime !== Watermark.START) this.#raise(this.#maxEventTime - this.#delay)

    return this.#current
  }

  /** The source returned nothing: after `job.idle_timeout` without records, follow the wall clock. */
  idle(wallNanos: bigint): bigint {
    if (this.#idleTimeout === undefined) return this.#current
    this.#lastArrival ??= wallNanos
    if (wallNanos - this.#lastArrival >= this.#idleTimeout) this.#raise(wallNanos - this.#delay)

    return this.#current
  }

  /** Bounded input ended. */
  end(): bigint {
    this.#current = Watermark.END

    return this.#current
  }

  #raise(to: bigint): void {
    if (to > this.#current) this.#current = to
  }

  save(): { max: string; current: string } {
    return { max: this.#maxEventTime.toString(), current: this.#current.toString() }
  }

  load(state: { max?: string; current?: string }): void {
    if (state.max !== undefined) this.#maxEventTime = BigInt(state.max)
    if (state.current !== undefined) this.#current = BigInt(state.current)
  }
}
