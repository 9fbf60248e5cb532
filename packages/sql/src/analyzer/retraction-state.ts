import { FerrisError, type JsonValue, type Value } from '@ferris/core'
import { decodeValue, encodeValue, hashKey } from '../execution/value-codec.js'

/** The error of a retraction whose value the aggregate never took (or already gave back). */
export function notHeld(aggregate: string, value: Value): FerrisError {
  return new FerrisError(
    'FERRIS_EVALUATION',
    `${aggregate} received a retraction (UPDATE_BEFORE or DELETE) of ${String(value)}, a value its group does not hold`,
    {
      value: String(value),
      hint: 'The change stream retracts a row it never inserted: read the source from its snapshot, or check that its retractions carry the old values (REPLICA IDENTITY FULL)',
    },
  )
}

/**
 * A multiset of values: how many times each value was added and not retracted. MIN, MAX and the DISTINCT
 * aggregates keep one, so that a retraction knows whether a value is still there. Memory: one entry per
 * distinct value of the group.
 */
export class ValueCounts {
  readonly #entries = new Map<unknown, { readonly value: Value; count: number }>()

  /** Adds one occurrence; true when the value is new. */
  add(value: Value): boolean {
    const k = hashKey(value)
    const e = this.#entries.get(k)
    if (e !== undefined) {
      e.count++
      return false
    }
    this.#entries.set(k, { value, count: 1 })

    return true
  }

  /** Removes one occurrence; true when it was the last one. Throws (changing nothing) when none is held. */
  remove(value: Value, aggregate: string): boolean {
    const k = hashKey(value)
    const e = this.#entries.get(k)
    if (e === undefined) throw notHeld(aggregate, value)
    if (--e.count > 0) return false
    this.#entries.delete(k)

    return true
  }

  get size(): number {
    return this.#entries.size
  }

  values(): IterableIterator<{ readonly value: Value; count: number }> {
    return this.#entries.values()
  }

  save(): JsonValue {
    return [...this.#entries.values()].map((e) => [encodeValue(e.value), e.count])
  }

  load(state: JsonValue): void {
    this.#entries.clear()
    for (const [v, n] of state as Array<[JsonValue, number]>) {
      const value = decodeValue(v)
      this.#entries.set(hashKey(value), { value, count: n })
    }
  }
}

/**
 * Values in arrival order, for FIRST_VALUE, LAST_VALUE and LISTAGG under retractions. A retraction removes
 * the oldest occurrence of an equal value: the stream says which value left, not which arrival it was.
 * Memory: one entry per value held.
 */
export class ArrivalBag {
  /** Arrival number → value; a Map iterates in insertion order, which is arrival order. */
  readonly #byArrival = new Map<number, Value>()
  /** Value → its arrival numbers, oldest first. */
  readonly #byValue = new Map<unknown, number[]>()
  #next = 0
  /** The newest arrival still held, or -1 when unknown (it was retracted). */
  #newest = -1

  add(value: Value): void {
    const n = this.#next++
    this.#byArrival.set(n, value)
    const k = hashKey(value)
    const list = this.#byValue.get(k)
    if (list === undefined) this.#byValue.set(k, [n])
    else list.push(n)
    this.#newest = n
  }

  /** Throws (changing nothing) when no equal value is held. */
  remove(value: Value, aggregate: string): void {
    const k = hashKey(value)
    const list = this.#byValue.get(k)
    if (list === undefined) throw notHeld(aggregate, value)
    const n = list.shift()!
    if (list.length === 0) this.#byValue.delete(k)
    this.#byArrival.delete(n)
    if (n === this.#newest) this.#newest = -1
  }

  get size(): number {
    return this.#byArrival.size
  }

  first(): Value {
    for (const v of this.#byArrival.values()) return v

    return null
  }

  last(): Value {
    if (this.#byArrival.size === 0) return null
    if (this.#newest < 0) {
      // The newest value was retracted: the newest left is the largest last arrival of some value.
      for (const list of this.#byValue.values()) if (list.at(-1)! > this.#newest) this.#newest = list.at(-1)!
    }

    return this.#byArrival.get(this.#newest)!
  }

  values(): IterableIterator<Value> {
    return this.#byArrival.values()
  }

  save(): JsonValue {
    return { next: this.#next, values: [...this.#byArrival].map(([n, v]) => [n, encodeValue(v)]) }
  }

  load(state: JsonValue): void {
    const s = state as { next: number; values: Array<[number, JsonValue]> }
    this.#byArrival.clear()
    this.#byValue.clear()
    for (const [n, v] of s.values) {
      const value = decodeValue(v)
      this.#byArrival.set(n, value)
      const k = hashKey(value)
      const list = this.#byValue.get(k)
      if (list === undefined) this.#byValue.set(k, [n])
      else list.push(n)
    }
    this.#next = s.next
    this.#newest = -1
  }
}
