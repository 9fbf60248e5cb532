import { describe, expect, it } from 'vitest'
import { TtlLruCache } from '../../src/cache/ttl-lru-cache.js'

function cache(maxEntries = 3, ttlMs = 1_000) {
  const clock = { now: 0 }
  const c = new TtlLruCache<string, number>({ maxEntries, ttlMs, now: () => clock.now })

  return { c, clock }
}

describe('[schema] TtlLruCache', () => {
  it('counts hits and misses and reports the hit ratio', () => {
    const { c } = cache()
    expect(c.stats().hitRatio).toBe(0)
    c.set('a', 1)
    expect(c.get('a')).toBe(1)
    expect(c.get('a')).toBe(1)
    expect(c.get('b')).toBeUndefined()
    expect(c.stats()).toEqual({ hits: 2, misses: 1, evictions: 0, expirations: 0, size: 1, hitRatio: 2 / 3 })
  })

  it('expires an entry exactly at its time to live', () => {
    const { c, clock } = cache()
    c.set('a', 1)
    clock.now = 999
    expect(c.get('a')).toBe(1)
    clock.now = 1_000
    expect(c.has('a')).toBe(false)
    expect(c.get('a')).toBeUndefined()
    expect(c.stats()).toMatchObject({ hits: 1, misses: 1, expirations: 1, size: 0 })
  })

  it('gives a per-entry time to live and sweeps expired entries on prune', () => {
    const { c, clock } = cache(10)
    c.set('short', 1, 10)
    c.set('long', 2)
    clock.now = 10
    expect(c.prune()).toBe(1)
    expect(c.size).toBe(1)
    expect(c.get('long')).toBe(2)
  })

  it('evicts the least recently used entry, where reading an entry makes it recent', () => {
    const { c } = cache(3)
    c.set('a', 1)
    c.set('b', 2)
    c.set('c', 3)
    c.get('a')
    c.set('d', 4)
    expect(c.has('b')).toBe(false)
    expect(c.has('a')).toBe(true)
    c.set('c', 30)
    c.set('e', 5)
    expect(c.has('a')).toBe(false)
    expect([c.get('c'), c.get('d'), c.get('e')]).toEqual([30, 4, 5])
    expect(c.stats().evictions).toBe(2)
  })

  it('deletes by key and by predicate and clears', () => {
    const { c } = cache(10)
    for (const k of ['x1', 'x2', 'y1']) c.set(k, 0)
    expect(c.delete('y1')).toBe(true)
    expect(c.deleteWhere((k) => k.startsWith('x'))).toBe(2)
    c.set('z', 1)
    c.clear()
    expect(c.size).toBe(0)
  })

  it('refuses a size below one and a time to live of zero', () => {
    expect(() => new TtlLruCache({ maxEntries: 0, ttlMs: 1 })).toThrow(/Cache size/)
    expect(() => new TtlLruCache({ maxEntries: 1, ttlMs: 0 })).toThrow(/time to live/)
  })
})
