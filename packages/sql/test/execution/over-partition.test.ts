import { describe, expect, it } from 'vitest'
import { type OverEntry, popWaitingBelow, pushWaiting } from '../../src/execution/over-partition.js'

const entry = (t: number, seq: number): OverEntry => ({
  row: [],
  meta: undefined,
  keys: [],
  vals: [],
  defs: [],
  t: BigInt(t),
  seq,
  batch: 0,
  index: 0,
  rank: 0,
  dense: 0,
  peerStart: 0,
  peerEnd: 0,
})

describe('waiting rows of a partition', () => {
  it('releases exactly the rows below each watermark, by event time then arrival', () => {
    let seed = 7
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    const heap: OverEntry[] = []
    const all: OverEntry[] = []
    const released: OverEntry[] = []
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 40; i++) {
        const e = entry(round * 10 + Math.floor(random() * 60), all.length)
        all.push(e)
        pushWaiting(heap, e)
      }
      const wm = BigInt(round * 10)
      const out = popWaitingBelow(heap, wm)
      expect(out.every((e) => e.t < wm)).toBe(true)
      expect(heap.every((e) => e.t >= wm)).toBe(true)
      released.push(...out)
    }
    released.push(...popWaitingBelow(heap, 2n ** 62n))
    const byTime = (a: OverEntry, b: OverEntry) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.seq - b.seq)
    expect(released.map((e) => e.seq)).toEqual([...all].sort(byTime).map((e) => e.seq))
  })
})
