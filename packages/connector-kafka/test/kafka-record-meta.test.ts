import type { KafkaMessage } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { kafkaRecordMeta } from '../src/kafka-record-meta.js'

const message = (over: Partial<KafkaMessage>): KafkaMessage =>
  ({
    key: Buffer.from('k'),
    value: Buffer.from('{"a":1}'),
    timestamp: '1700000000123',
    attributes: 0,
    offset: '9007199254740993',
    headers: {},
    ...over,
  }) as KafkaMessage

describe('kafkaRecordMeta', () => {
  it('gives exact offsets and nanosecond timestamps, the raw value and the headers', () => {
    const m = kafkaRecordMeta('k', 'orders', 2, message({ headers: { h: Buffer.from('v'), n: undefined } }))
    expect(m.key).toBe('k')
    expect(m.partition).toBe(2)
    expect(m.topic).toBe('orders')
    // Beyond 2^53: parsed from the text, not through a double.
    expect(m.offset).toBe(9007199254740993n)
    expect(m.timestamp).toBe(1700000000123000000n)
    expect(Buffer.from(m.raw as Uint8Array).toString()).toBe('{"a":1}')
    expect(m.headers).toEqual([
      { key: 'h', value: new Uint8Array(Buffer.from('v')) },
      { key: 'n', value: null },
    ])
    expect(m.headers).toBe(m.headers)
  })

  it('has no raw value for a tombstone', () => {
    const m = kafkaRecordMeta(null, 'orders', 0, message({ value: null, key: null }))
    expect(m.raw).toBeUndefined()
    expect(m.key).toBeNull()
    expect(m.headers).toEqual([])
  })
})
