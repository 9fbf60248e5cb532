import { describe, expect, it } from 'vitest'
import { RowOrigins } from '../../src/reading/row-origins.js'

describe('RowOrigins', () => {
  it('locates rows across inputs of both kinds, and nothing outside the batch', () => {
    const o = new RowOrigins()
    o.addLine('a.csv', 2, 10)
    o.addLine('a.csv', 3, 15)
    o.addRow('b.parquet', 0)
    o.addLine('c.jsonl', 1, 0)
    expect(o.size).toBe(4)
    expect([0, 1, 2, 3].map((i) => o.locate(i))).toEqual([
      { file: 'a.csv', line: 2, byte: 10 },
      { file: 'a.csv', line: 3, byte: 15 },
      { file: 'b.parquet', row: 0 },
      { file: 'c.jsonl', line: 1, byte: 0 },
    ])
    expect(o.locate(4)).toBeUndefined()
    expect(o.locate(-1)).toBeUndefined()
  })

  it('starts a new run when an input comes back after another', () => {
    const o = new RowOrigins()
    o.addLine('a.csv', 2, 10)
    o.addLine('b.csv', 2, 10)
    o.addLine('a.csv', 9, 80)
    expect(o.locate(2)).toEqual({ file: 'a.csv', line: 9, byte: 80 })
    expect(o.locate(1)).toEqual({ file: 'b.csv', line: 2, byte: 10 })
  })
})
