import type { DataReader, Position, ReadResult, RecordBatch } from '@ferris/core'

/** Batches that came from the second stream of a merged reader (a stream-to-stream join's right side). */
const secondBatches = new WeakSet<RecordBatch>()

export function fromSecondStream(batch: RecordBatch): boolean {
  return secondBatches.has(batch)
}

/** `{ first, second }`: the position of a merged reader, each part its own connector's. */
export function splitPosition(position: Position | undefined): [Position | undefined, Position | undefined] {
  if (position === undefined || position === null || typeof position !== 'object' || Array.isArray(position)) {
    return [undefined, undefined]
  }
  const p = position as { first?: Position; second?: Position }

  return [p.first, p.second]
}

/**
 * Two streams read as one, alternating batch by batch, so neither starves the other (and a stream-to-stream
 * join sees both advance). Its position holds both; `end` only when both ended, `idle` when neither had data.
 */
export class MergedReader implements DataReader {
  readonly #first: DataReader
  readonly #second: DataReader
  #positions: { first: Position; second: Position }
  #turn: 0 | 1 = 0
  readonly #ended = [false, false]

  constructor(first: DataReader, second: DataReader, from: [Position | undefined, Position | undefined]) {
    this.#first = first
    this.#second = second
    this.#positions = { first: from[0] ?? null, second: from[1] ?? null }
  }

  async read(): Promise<ReadResult> {
    for (let tries = 0; tries < 2; tries++) {
      const side = this.#turn
      this.#turn = side === 0 ? 1 : 0
      if (this.#ended[side]) continue
      const r = await (side === 0 ? this.#first : this.#second).read()
      this.#positions =
        side === 0 ? { ...this.#positions, first: r.position } : { ...this.#positions, second: r.position }
      if (r.kind === 'end') {
        this.#ended[side] = true
        continue
      }
      if (r.kind === 'batch') {
        if (side === 1) secondBatches.add(r.batch)
        return { kind: 'batch', batch: r.batch, position: this.#positions }
      }
    }
    if (this.#ended[0] && this.#ended[1]) return { kind: 'end', position: this.#positions }

    return { kind: 'idle', position: this.#positions }
  }

  async commit(position: Position): Promise<void> {
    const [a, b] = splitPosition(position)
    if (a !== undefined && a !== null) await this.#first.commit(a)
    if (b !== undefined && b !== null) await this.#second.commit(b)
  }

  async seek(position: Position): Promise<void> {
    const [a, b] = splitPosition(position)
    if (a !== undefined && a !== null) await this.#first.seek(a)
    if (b !== undefined && b !== null) await this.#second.seek(b)
    this.#positions = { first: a ?? null, second: b ?? null }
  }

  /** The partitions with unread records of one stream (its reader's `pendingSplits`), for its side's watermark. */
  pendingSplitsOf(side: 0 | 1): readonly (number | string)[] | undefined {
    return (side === 0 ? this.#first : this.#second).pendingSplits?.()
  }

  /** The partitions one stream's reader holds (its `heldSplits`). */
  heldSplitsOf(side: 0 | 1): readonly (number | string)[] | undefined {
    return (side === 0 ? this.#first : this.#second).heldSplits?.()
  }

  hasMore(): boolean {
    return this.#first.hasMore() || this.#second.hasMore()
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#first.close(), this.#second.close()])
  }
}
