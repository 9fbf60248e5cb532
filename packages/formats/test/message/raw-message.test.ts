import { Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { messageDecoder, messageEncoder } from '../../src/message/message-format.js'

describe('[message] string and bytes', () => {
  it('round-trips text and bytes, and null as a tombstone', () => {
    const s = Schema.of(['line', T.string])
    const enc = messageEncoder({ format: 'string', schema: s, subject: 'logs' })
    const dec = messageDecoder({ format: 'string', schema: s, subject: 'logs' })
    expect(dec.decode(enc.encode(['héllo'])!)).toEqual(['héllo'])
    expect(enc.encode([null])).toBeNull()
    expect(dec.decode(null)).toEqual([null])
    expect(() => dec.decode(new Uint8Array([0xc3]))).toThrow(/not valid UTF-8/)

    const b = Schema.of(['payload', T.bytes])
    const raw = new Uint8Array([0, 255, 1])
    const back = messageDecoder({ format: 'bytes', schema: b, subject: 'x' }).decode(
      messageEncoder({ format: 'bytes', schema: b, subject: 'x' }).encode([raw])!,
    )
    expect(back).toEqual([raw])
  })

  it('refuses a schema with more than one value column, naming the columns', () => {
    const s = Schema.of(['a', T.string], ['b', T.int32])
    expect(() => messageDecoder({ format: 'string', schema: s, subject: 'logs' })).toThrow(
      /exactly one|one STRING column.*a STRING, b INT/,
    )
  })

  it('names the accepted formats for an unknown one', () => {
    expect(() => messageDecoder({ format: 'xml' as never, schema: Schema.of(['a', T.string]), subject: 'x' })).toThrow(
      /unknown message format "xml"/,
    )
  })
})
