import { describe, expect, it } from 'vitest'
import { CatchUp, catchUpTargets, lowOffsets } from '../src/catch-up.js'
import type { OffsetMap } from '../src/positions.js'

const positions = (entries: Record<string, Record<number, bigint>>): OffsetMap =>
  new Map(
    Object.entries(entries).map(([t, parts]) => [t, new Map(Object.entries(parts).map(([p, o]) => [Number(p), o]))]),
  )

describe('[kafka] catchUpTargets', () => {
  it('keeps the high watermark of partitions that hold messages and leaves empty ones out', () => {
    const targets = catchUpTargets(
      new Map([
        [
          'prices',
          [
            { partition: 0, low: '0', high: '5' },
            { partition: 1, low: '0', high: '0' },
            { partition: 2, low: '7', high: '7' },
            { partition: 3, low: '9007199254740993', high: '9007199254740995' },
          ],
        ],
      ]),
    )
    expect(targets).toEqual(positions({ prices: { 0: 5n, 3: 9007199254740995n } }))
  })
})

describe('[kafka] lowOffsets', () => {
  it('starts every partition, empty ones included, at its low offset, exactly', () => {
    const low = lowOffsets(
      new Map([
        [
          'prices',
          [
            { partition: 0, low: '0', high: '5' },
            { partition: 1, low: '7', high: '7' },
            { partition: 2, low: '9007199254740993', high: '9007199254740995' },
          ],
        ],
        ['other', [{ partition: 0, low: '3', high: '4' }]],
      ]),
    )
    expect(low).toEqual(positions({ prices: { 0: 0n, 1: 7n, 2: 9007199254740993n }, other: { 0: 3n } }))
  })
})

describe('[kafka] CatchUp', () => {
  const targets = positions({ a: { 0: 10n, 1: 3n }, b: { 0: 1n } })
  const all = [
    { topic: 'a', partitions: [0, 1, 2] },
    { topic: 'b', partitions: [0] },
  ]

  it('is not caught up before the group assigned any partition, even with nothing to read', () => {
    expect(new CatchUp(new Map()).reached([], new Map())).toBe(false)
    expect(new CatchUp(targets).reached([], new Map())).toBe(false)
  })

  it('waits for every assigned partition to reach its end offset', () => {
    const c = new CatchUp(targets)
    c.assigned()
    expect(c.reached(all, new Map())).toBe(false)
    expect(c.reached(all, positions({ a: { 0: 10n, 1: 3n } }))).toBe(false)
    expect(c.reached(all, positions({ a: { 0: 9n, 1: 3n }, b: { 0: 1n } }))).toBe(false)
    // Partition a/2 had no messages at the start: it needs no position at all.
    expect(c.reached(all, positions({ a: { 0: 10n, 1: 4n }, b: { 0: 1n } }))).toBe(true)
  })

  it('counts only the partitions assigned to this member, and an empty share is caught up at once', () => {
    const c = new CatchUp(targets)
    c.assigned()
    expect(c.reached([{ topic: 'b', partitions: [0] }], positions({ b: { 0: 0n } }))).toBe(false)
    expect(c.reached([{ topic: 'b', partitions: [0] }], positions({ b: { 0: 1n } }))).toBe(true)
    const idle = new CatchUp(targets)
    idle.assigned()
    expect(idle.reached([], new Map())).toBe(true)
  })

  it('stays caught up after a rebalance brings partitions it has not read', () => {
    const c = new CatchUp(targets)
    c.assigned()
    expect(c.reached([{ topic: 'b', partitions: [0] }], positions({ b: { 0: 1n } }))).toBe(true)
    expect(c.reached(all, positions({ b: { 0: 1n } }))).toBe(true)
  })
})
