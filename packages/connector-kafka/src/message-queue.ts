import type { KafkaMessage } from 'kafkajs'
import { tpKey } from './positions.js'

/** Messages of one fetched batch of one partition, in offset order, and where the partition stands after them. */
export interface QueuedBatch {
  readonly topic: string
  readonly partition: number
  readonly key: string
  readonly messages: KafkaMessage[]
  /** Index of the first message not yet handed over. */
  next: number
  /** Offset after the batch, control records included: where the partition stands once the batch is read. */
  readonly end: bigint
}

/**
 * The bounded buffer between kafkajs's fetch loop (which pushes whole batches) and `read()` (which takes
 * up to a batch size). It only counts; pausing and resuming partitions is the reader's decision.
 */
export class MessageQueue {
  readonly #batches: QueuedBatch[] = []
  #size = 0

  get size(): number {
    return this.#size
  }

  get isEmpty(): boolean {
    return this.#batches.length === 0
  }

  push(topic: string, partition: number, messages: KafkaMessage[], end: bigint): void {
    this.#batches.push({ topic, partition, key: tpKey(topic, partition), messages, next: 0, end })
    this.#size += messages.length
  }

  /**
   * Takes up to `max` messages from the front, calling `each` once per batch with the range of its messages
   * taken (`b.messages[from..to)`), and `finished` for every batch read to its end.
   */
  take(
    max: number,
    each: (b: QueuedBatch, from: number, to: number) => void,
    finished: (b: QueuedBatch) => void,
  ): number {
    let taken = 0
    while (taken < max && this.#batches.length > 0) {
      const b = this.#batches[0]!
      const stop = Math.min(b.messages.length, b.next + (max - taken))
      if (stop > b.next) each(b, b.next, stop)
      taken += stop - b.next
      this.#size -= stop - b.next
      b.next = stop
      if (b.next >= b.messages.length) {
        this.#batches.shift()
        finished(b)
      }
    }

    return taken
  }

  /** Where partition `key` stands after everything queued for it, or undefined when nothing is queued for it. */
  endOf(key: string): bigint | undefined {
    for (let i = this.#batches.length - 1; i >= 0; i--) if (this.#batches[i]!.key === key) return this.#batches[i]!.end
    return undefined
  }

  /** Drops everything queued for partitions `drop` says (revoked, or sought elsewhere). */
  purge(drop: (key: string) => boolean): void {
    for (let i = this.#batches.length - 1; i >= 0; i--) {
      const b = this.#batches[i]!
      if (drop(b.key)) {
        this.#size -= b.messages.length - b.next
        this.#batches.splice(i, 1)
      }
    }
  }
}
