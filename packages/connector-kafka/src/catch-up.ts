import type { OffsetMap } from './positions.js'

/** One partition's offsets as kafkajs's `admin.fetchTopicOffsets` gives them. */
export interface PartitionEdges {
  readonly partition: number
  readonly low: string
  readonly high: string
}

/**
 * What a reader must hand over to be caught up: the end offset of every partition that held messages when it
 * started. Partitions with none (low = high) are left out: they are caught up at once.
 */
export function catchUpTargets(edges: ReadonlyMap<string, readonly PartitionEdges[]>): OffsetMap {
  const out: OffsetMap = new Map()
  for (const [topic, partitions] of edges) {
    const parts = new Map<number, bigint>()
    for (const { partition, low, high } of partitions)
      if (BigInt(high) > BigInt(low)) parts.set(partition, BigInt(high))
    out.set(topic, parts)
  }

  return out
}

/**
 * Tells when a Kafka reader has handed over every message that existed when it started (`DataReader.caughtUp`).
 *
 * The end offsets are the high watermarks taken when the reader was created, the same ends a bounded source
 * reads up to: with read_committed, the reader's position moves past transaction markers and aborted
 * messages (see the reader's END_BATCH_PROCESS handling), so it reaches the high watermark once the
 * transactions open at that moment have ended. Nothing is caught up before the group's first assignment:
 * until then the reader does not know which partitions are its share. After it, the partitions assigned to
 * this member count; a partition another member of the group owns is that member's to hand over. Once
 * caught up, always caught up: a later rebalance does not take it back.
 */
export class CatchUp {
  readonly #targets: OffsetMap
  #assigned = false
  #done = false

  constructor(targets: OffsetMap) {
    this.#targets = targets
  }

  /** The group assigned this member its partitions (possibly none). */
  assigned(): void {
    this.#assigned = true
  }

  /** Whether every assigned partition's position (the offset after the last message handed over) reached its target. */
  reached(assignment: ReadonlyArray<{ topic: string; partitions: readonly number[] }>, positions: OffsetMap): boolean {
    if (this.#done) return true
    if (!this.#assigned) return false
    for (const { topic, partitions } of assignment) {
      const targets = this.#targets.get(topic)
      for (const p of partitions) {
        const target = targets?.get(p)
        // A partition with no messages at the start, or created after it: nothing to hand over.
        if (target === undefined) continue
        const at = positions.get(topic)?.get(p)
        if (at === undefined || at < target) return false
      }
    }
    this.#done = true

    return true
  }
}

/**
 * Where a read of everything a topic holds begins: the low offset of every partition, the first message
 * retention has kept (empty partitions too, so that a group's committed offset is never used instead).
 */
export function lowOffsets(edges: ReadonlyMap<string, readonly PartitionEdges[]>): OffsetMap {
  const out: OffsetMap = new Map()
  for (const [topic, parts] of edges) out.set(topic, new Map(parts.map((e) => [e.partition, BigInt(e.low)])))

  return out
}
