import { describe, expect, it } from 'vitest'
import { parsePosition, parseStartOffsets, positionOf } from '../src/positions.js'

describe('[kafka] positions', () => {
  it('round-trips 64-bit offsets as decimal strings', () => {
    const map = new Map([
      [
        'orders',
        new Map([
          [1, 9223372036854775806n],
          [0, 5n],
        ]),
      ],
    ])
    const position = positionOf(map)
    expect(position).toEqual({ orders: { '0': '5', '1': '9223372036854775806' } })
    expect(parsePosition(JSON.parse(JSON.stringify(position)), 'x')).toEqual(map)
  })

  it('says what is wrong with a position that is not ours', () => {
    expect(() => parsePosition({ file: 'a.csv', byte: 10 } as never, 'orders checkpoint')).toThrow(
      /no partition map for topic "file"/,
    )
    expect(() => parsePosition({ t: { x: '1' } }, 'orders checkpoint')).toThrow(/partition "x"/)
    expect(() => parsePosition({ t: { '0': '-1' } }, 'orders checkpoint')).toThrow(/offset "-1"/)
    expect(() => parsePosition([] as never, 'orders checkpoint')).toThrow(/not an object/)
  })

  it('parses start_offsets for one topic or several', () => {
    expect(parseStartOffsets('0:42, 1:17', ['orders'], 'o')).toEqual(
      new Map([
        [
          'orders',
          new Map([
            [0, 42n],
            [1, 17n],
          ]),
        ],
      ]),
    )
    expect(parseStartOffsets('a:0:1,b.c:2:3', ['a', 'b.c'], 'o')).toEqual(
      new Map([
        ['a', new Map([[0, 1n]])],
        ['b.c', new Map([[2, 3n]])],
      ]),
    )
    expect(() => parseStartOffsets('0:x', ['a'], 'o')).toThrow(/whole partition number and offset/)
    expect(() => parseStartOffsets('7', ['a'], 'o')).toThrow(/partition:offset/)
  })
})
