import { describe, expect, it } from 'vitest'
import { partFull, rowsThatFit } from '../../src/paths/part-rolling.js'

describe('[formats] part rolling', () => {
  it('is full once any limit set is reached, and never without limits', () => {
    const part = { records: 10, size: 500, openedAt: 1_000 }
    expect(partFull({}, part, 1_000_000)).toBe(false)
    expect(partFull({ max_records: 10 }, part, 1_000)).toBe(true)
    expect(partFull({ max_records: 11 }, part, 1_000)).toBe(false)
    expect(partFull({ max_bytes: 500 }, part, 1_000)).toBe(true)
    expect(partFull({ max_bytes: 501 }, part, 1_000)).toBe(false)
    expect(partFull({ max_age: 60_000 }, part, 61_000)).toBe(true)
    expect(partFull({ max_age: 60_000 }, part, 60_999)).toBe(false)
  })

  it('fits what max_records leaves room for', () => {
    expect(rowsThatFit({}, 7, 100)).toBe(100)
    expect(rowsThatFit({ max_records: 10 }, 7, 100)).toBe(3)
    expect(rowsThatFit({ max_records: 10 }, 0, 4)).toBe(4)
  })
})
