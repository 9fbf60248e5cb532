import { Decimal, Interval, type Value } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { decodeValue, encodeValue, hashKey } from '../../src/execution/value-codec.js'

describe('value codec for checkpoints', () => {
  it.each<[string, Value]>([
    ['null', null],
    ['string', 'héllo'],
    ['boolean', true],
    ['double', 0.1],
    ['NaN', Number.NaN],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['int64 beyond 2^53', 9223372036854775807n],
    ['decimal with scale', Decimal.parse('-12345678901234567890.000000001')],
    ['interval', new Interval(1, 2, 3_000_000_001n)],
    ['bytes', new Uint8Array([0, 255, 7])],
    ['list', [1, 'a', null, 2n]],
    ['map', new Map<Value, Value>([['k', 1n]])],
    ['struct', { a: 1, b: Decimal.parse('1.50') }],
  ])('round-trips %s exactly through JSON', (_name, v) => {
    const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(v))))
    expect(back).toEqual(v)
    if (v instanceof Decimal) expect(String(back)).toBe(String(v))
  })

  it('hashes equal SQL values alike and different ones apart', () => {
    expect(hashKey(Decimal.parse('1.50'))).toBe(hashKey(Decimal.parse('1.5')))
    expect(hashKey(1n)).toBe(hashKey(1n))
    expect(hashKey(-0)).toBe(hashKey(0))
    expect(hashKey('1')).not.toBe(hashKey(1))
    expect(hashKey(Decimal.parse('1.5'))).not.toBe(hashKey(Decimal.parse('15')))
  })
})
