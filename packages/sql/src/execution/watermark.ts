import { splitName } from '@ferris/core'

/** Which partition of a source a record came from (`splitName` of its `RecordMeta`); `undefined` for sources without. */
export type Split = number | string | undefined

interface SplitState {
  /** `Watermark.START` while a split announced by `expect` has delivered nothing. */
  max: bigint
  /** Announced by `expect` and not yet delivered: dropped when no longer announced (another reader took it). */
  expected: boolean
  /** The batch (count of `advance` calls) the split last delivered a record in. */
  batch: number
  /** Wall-clock time (epoch ns) of the batch it last delivered a record in. */
  arrival: bigint | undefined
}

/**
 * The event-time clock of one job: the largest event time seen minus the declared out-of-orderness
 * (`'<source>.watermark.delay'`). Windows whose end is at or below the watermark are complete.
 *
 * Per partition: a source read in partitions (Kafka) interleaves them, and one partition's records can be far
 * ahead of another's in event time (a backfill, a partition that lags). A single maximum would declare the
 * slower partition's records late. So each partition (`RecordMeta.partition`) keeps its own maximum and the
 * watermark follows the smallest of them, as Flink's per-partition watermarks do (partitions of different
 * topics, `RecordMeta.topic`, apart); a partition is counted once it delivered a record. Records without a
 * partition lead only a source that has no partitions at all.
 *
 * Idleness: with `job.idle_timeout` set, a partition that delivered nothing for that long stops holding the
 * watermark back, and a source that delivered nothing at all for that long moves it to the wall clock minus
 * the delay (which assumes event time follows the wall clock). Without it, a partition that goes quiet holds
 * the watermark (and its windows) until it delivers again. When a bounded source ends the watermark moves to
 * the end of time, so every open window closes.
 */
export class Watermark {
  /** Before any record: nothing is complete. */
  static readonly START = -(2n ** 127n)
  /** After the end of bounded input. */
  static readonly END = 2n ** 127n

  readonly #delay: bigint
  readonly #idleTimeout: bigint | undefined
  readonly #splits = new Map<Split, SplitState>()
  /** The partition and topic of the last record observed, and its state: records of one partition come in runs. */
  #lastPartition: Split
  #lastTopic: string | undefined
  #lastState: SplitState | undefined
  #batch = 0
  #current = Watermark.START
  /** Wall-clock time (epoch ns) of the last batch. */
  #lastArrival: bigint | undefined

  constructor(delayNanos: bigint, idleTimeoutNanos?: bigint) {
    this.#delay = delayNanos
    this.#idleTimeout = idleTimeoutNanos
  }

  get current(): bigint {
    return this.#current
  }

  /**
   * Called for every record's event time, with its `RecordMeta.partition` and `topic` (partition 0 of two topics
   * are two partitions); the watermark itself moves in `advance`, once per batch.
   */
  observe(eventTime: bigint, partition?: Split, topic?: string): void {
    let state = this.#lastState
    if (state === undefined || partition !== this.#lastPartition || topic !== this.#lastTopic) {
      const split = splitName(partition, topic)
      state = this.#splits.get(split)
      if (state === undefined) {
        state = { max: eventTime, expected: false, batch: this.#batch, arrival: undefined }
        this.#splits.set(split, state)
      }
      this.#lastPartition = partition
      this.#lastTopic = topic
      this.#lastState = state
    }
    state.batch = this.#batch
    state.expected = false
    if (eventTime > state.max) state.max = eventTime
  }

  /**
   * The partitions of the source that hold records not read yet (`DataReader.pendingSplits`): each holds the
   * watermark where it is until it delivered a record, so the first records of a partition read after the
   * others are not late. An announced partition that is no longer announced before delivering is forgotten, and
   * so is any partition not in `held` when the source says which it holds (`DataReader.heldSplits`).
   */
  expect(splits: readonly (number | string)[], held?: readonly (number | string)[]): void {
    const announced = new Set<Split>(splits)
    for (const [k, s] of this.#splits) if (s.expected && !announced.has(k)) this.#splits.delete(k)
    if (held !== undefined) {
      // `DataReader.heldSplits`: a partition given to another reader (a rebalance) stops holding the watermark.
      const kept = new Set<Split>(held)
      for (const k of this.#splits.keys()) if (!kept.has(k) && !announced.has(k)) this.#splits.delete(k)
    }
    for (const k of splits) {
      if (!this.#splits.has(k))
        this.#splits.set(k, { max: Watermark.START, expected: true, batch: this.#batch, arrival: undefined })
    }
    this.#lastState = undefined
  }

  /** After a batch: moves the watermark up to what the records seen allow. Never moves it back. */
  advance(wallNanos?: bigint): bigint {
    const batch = this.#batch++
    let least: bigint | undefined
    let freshest: bigint | undefined
    // Rows without a partition beside rows with one (an outer join's padded rows, emitted late by design) do
    // not hold the watermark back: only a source without partitions is led by them.
    const unsplitLeads = this.#splits.size === 1
    for (const [k, s] of this.#splits) {
      // A partition restored from a checkpoint counts as arrived at the first batch after the restart.
      if (s.batch === batch || s.arrival === undefined) s.arrival = wallNanos ?? s.arrival
      if (freshest === undefined || s.max > freshest) freshest = s.max
      if ((k === undefined && !unsplitLeads) || this.#isIdle(s, wallNanos)) continue
      if (least === undefined || s.max < least) least = s.max
    }
    if (wallNanos !== undefined) this.#lastArrival = wallNanos
    // Every partition idle: the most advanced one leads (the whole-source idleness in `idle` takes it further).
    const lead = least ?? freshest
    if (lead !== undefined) this.#raise(lead - this.#delay)

    return this.#current
  }

  #isIdle(s: SplitState, wallNanos: bigint | undefined): boolean {
    return (
      this.#idleTimeout !== undefined &&
      wallNanos !== undefined &&
      s.arrival !== undefined &&
      wallNanos - s.arrival >= this.#idleTimeout
    )
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

  /** `max` is the largest event time of all partitions; `splits` each partition's, for a restart. */
  save(): { max: string; current: string; splits: Array<[number | string | null, string]> } {
    let max = Watermark.START
    for (const s of this.#splits.values()) if (s.max > max) max = s.max
    // Partitions announced but not yet delivered are announced again after a restart, if still unread.
    const delivered = [...this.#splits].filter(([, s]) => !s.expected)

    return {
      max: max.toString(),
      current: this.#current.toString(),
      splits: delivered.map(([k, s]) => [k ?? null, s.max.toString()]),
    }
  }

  load(state: { max?: string; current?: string; splits?: Array<[Split | null, string]> }): void {
    this.#splits.clear()
    this.#lastState = undefined
    if (state.splits !== undefined) {
      for (const [k, max] of state.splits)
        this.#splits.set(k ?? undefined, { max: BigInt(max), expected: false, batch: -1, arrival: undefined })
    } else if (state.max !== undefined && BigInt(state.max) !== Watermark.START) {
      // A checkpoint from before partitions were told apart: one maximum for all.
      this.#splits.set(undefined, { max: BigInt(state.max), expected: false, batch: -1, arrival: undefined })
    }
    if (state.current !== undefined) this.#current = BigInt(state.current)
  }
}
