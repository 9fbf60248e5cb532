import { splitName } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { Watermark } from '../../src/execution/watermark.js'

const S = 1_000_000_000n

describe('Watermark', () => {
  it('follows the slowest partition, counting a partition once it delivered a record', () => {
    const w = new Watermark(10n * S)
    w.observe(100n * S, 0)
    expect(w.advance(0n)).toBe(90n * S)
    // Partition 1 arrives far behind: the watermark does not move past it, and it does not move back.
    w.observe(500n * S, 0)
    w.observe(20n * S, 1)
    expect(w.advance(0n)).toBe(90n * S)
    w.observe(300n * S, 1)
    expect(w.advance(0n)).toBe(290n * S)
    // Records without a partition lead a source that has none; beside partitioned records they do not hold it.
    const single = new Watermark(0n)
    single.observe(5n * S)
    single.observe(7n * S)
    expect(single.advance()).toBe(7n * S)
    const padded = new Watermark(0n)
    padded.observe(100n * S, 0)
    padded.observe(10n * S)
    expect(padded.advance()).toBe(100n * S)
  })

  it('keeps partitions of different topics apart, as the Kafka reader announces them', () => {
    // A topic_pattern over two one-partition topics: both are partition 0, one far ahead of the other.
    const w = new Watermark(0n)
    w.expect([splitName(0, 'late'), splitName(0, 'early')])
    w.observe(500n * S, 0, 'early')
    expect(w.advance(0n)).toBe(Watermark.START)
    w.observe(20n * S, 0, 'late')
    expect(w.advance(0n)).toBe(20n * S)
    w.observe(600n * S, 0, 'early')
    w.observe(30n * S, 0, 'late')
    expect(w.advance(0n)).toBe(30n * S)
    expect(w.save().splits).toEqual([
      ['late:0', (30n * S).toString()],
      ['early:0', (600n * S).toString()],
    ])
  })

  it('forgets a partition the source no longer holds (a rebalance gave it to another process)', () => {
    const w = new Watermark(0n)
    w.observe(100n * S, 0)
    w.observe(50n * S, 1)
    w.expect([], [0, 1])
    expect(w.advance(0n)).toBe(50n * S)
    // Partition 1 is revoked: its last event time must not hold partition 0's windows for good.
    w.observe(300n * S, 0)
    w.expect([], [0])
    expect(w.advance(0n)).toBe(300n * S)
    expect(w.save().splits).toEqual([[0, (300n * S).toString()]])
  })

  it('holds at the start for partitions announced with unread records until they deliver, and forgets those withdrawn', () => {
    const w = new Watermark(0n)
    w.expect([0, 1])
    w.observe(500n * S, 0)
    expect(w.advance(0n)).toBe(Watermark.START)
    w.observe(20n * S, 1)
    expect(w.advance(0n)).toBe(20n * S)
    // Partition 2 is announced, then taken by another reader before delivering: it stops holding.
    const v = new Watermark(0n)
    v.expect([0, 2])
    v.observe(100n * S, 0)
    expect(v.advance()).toBe(Watermark.START)
    v.expect([0])
    v.observe(110n * S, 0)
    expect(v.advance()).toBe(110n * S)
    expect(v.save().splits).toEqual([[0, (110n * S).toString()]])
  })

  it('with an idle timeout, lets a partition that went quiet stop holding it back', () => {
    const w = new Watermark(0n, 60n * S)
    w.observe(100n * S, 'a')
    w.observe(10n * S, 'b')
    expect(w.advance(0n)).toBe(10n * S)
    w.observe(200n * S, 'a')
    expect(w.advance(30n * S)).toBe(10n * S)
    w.observe(300n * S, 'a')
    // b last delivered at 0 s; at 61 s it is idle and a leads.
    expect(w.advance(61n * S)).toBe(300n * S)
    // Without a timeout a quiet partition holds it.
    const held = new Watermark(0n)
    held.observe(100n * S, 'a')
    held.observe(10n * S, 'b')
    held.advance(0n)
    held.observe(900n * S, 'a')
    expect(held.advance(10_000n * S)).toBe(10n * S)
  })

  it('keeps each partition across a checkpoint, and reads checkpoints of one maximum', () => {
    const w = new Watermark(0n)
    w.observe(100n * S, 0)
    w.observe(50n * S, 1)
    w.advance()
    const saved = w.save()
    expect(saved.max).toBe((100n * S).toString())
    const back = new Watermark(0n)
    back.load(JSON.parse(JSON.stringify(saved)))
    expect(back.current).toBe(50n * S)
    back.observe(70n * S, 1)
    expect(back.advance()).toBe(70n * S)
    const old = new Watermark(0n)
    old.load({ max: (100n * S).toString(), current: (100n * S).toString() })
    old.observe(120n * S)
    expect(old.advance()).toBe(120n * S)
  })
})
