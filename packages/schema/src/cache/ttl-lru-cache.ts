import { FerrisError } from '@ferris/core'

export interface CacheStats {
  readonly hits: number
  readonly misses: number
  /** Entries removed to make room (least recently used first). */
  readonly evictions: number
  /** Entries found or swept after their time to live. */
  readonly expirations: number
  readonly size: number
  /** hits / (hits + misses); 0 before the first lookup. */
  readonly hitRatio: number
}

export interface TtlLruCacheOptions {
  /** Most entries kept; the least recently used goes first. */
  readonly maxEntries: number
  /** Milliseconds an entry stays valid after it was set; `Infinity` for no expiry. */
  readonly ttlMs: number
  /** Milliseconds; injected so tests control time. */
  readonly now?: () => number
}

interface Entry<V> {
  readonly value: V
  readonly expiresAt: number
}

/**
 * A bounded cache with a time to live per entry, least-recently-used eviction and hit statistics. A `Map`
 * keeps insertion order, so moving a key to the end on every hit makes its first key the least recently
 * used: every operation is O(1).
 */
export class TtlLruCache<K, V> {
  readonly #entries = new Map<K, Entry<V>>()
  readonly #max: number
  readonly #ttl: number
  readonly #now: () => number
  #hits = 0
  #misses = 0
  #evictions = 0
  #expirations = 0

  constructor(options: TtlLruCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `Cache size must be a whole number ≥ 1, got ${options.maxEntries}`,
        {
          value: options.maxEntries,
          expected: 'an integer ≥ 1',
        },
      )
    }
    if (!(options.ttlMs > 0)) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `Cache time to live must be more than 0 ms, got ${options.ttlMs}`,
        {
          value: options.ttlMs,
          expected: 'milliseconds > 0, or Infinity',
        },
      )
    }
    this.#max = options.maxEntries
    this.#ttl = options.ttlMs
    this.#now = options.now ?? (() => Date.now())
  }

  get size(): number {
    return this.#entries.size
  }

  /** The value, counting a hit; `undefined` (a miss) when absent or expired. */
  get(key: K): V | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) {
      this.#misses++
      return undefined
    }
    this.#entries.delete(key)
    if (entry.expiresAt <= this.#now()) {
      this.#expirations++
      this.#misses++
      return undefined
    }
    this.#entries.set(key, entry)
    this.#hits++

    return entry.value
  }

  /** Whether a live entry exists; touches neither statistics nor recency. */
  has(key: K): boolean {
    const entry = this.#entries.get(key)

    return entry !== undefined && entry.expiresAt > this.#now()
  }

  set(key: K, value: V, ttlMs: number = this.#ttl): void {
    this.#entries.delete(key)
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs })
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as K
      this.#entries.delete(oldest)
      this.#evictions++
    }
  }

  delete(key: K): boolean {
    return this.#entries.delete(key)
  }

  /** Removes the entries whose key matches; returns how many. */
  deleteWhere(predicate: (key: K) => boolean): number {
    let n = 0
    for (const key of [...this.#entries.keys()]) {
      if (predicate(key)) {
        this.#entries.delete(key)
        n++
      }
    }

    return n
  }

  clear(): void {
    this.#entries.clear()
  }

  /** Sweeps expired entries (lookups also drop them lazily); returns how many went. */
  prune(): number {
    const now = this.#now()
    let n = 0
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#entries.delete(key)
        n++
      }
    }
    this.#expirations += n

    return n
  }

  stats(): CacheStats {
    const lookups = this.#hits + this.#misses

    return {
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      expirations: this.#expirations,
      size: this.#entries.size,
      hitRatio: lookups === 0 ? 0 : this.#hits / lookups,
    }
  }
}
