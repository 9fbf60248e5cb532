import { describe, expect, it } from 'vitest'
import { isJsonNumberText, type JsonNumberText, parseJsonExact } from '../../src/json/exact-json.js'
import { jsonText } from '../../src/json/json-text.js'

describe('[formats] exact JSON', () => {
  it('keeps numbers a double would round as text, others as numbers', () => {
    const v = parseJsonExact(
      '{"a": 9007199254740993, "b": 1.5, "c": [0.12345678901234567, 123456789012345], "d": "9007199254740993"}',
    ) as Record<string, unknown>
    expect(isJsonNumberText(v.a)).toBe(true)
    expect((v.a as JsonNumberText).text).toBe('9007199254740993')
    expect(v.b).toBe(1.5)
    expect(((v.c as unknown[])[0] as JsonNumberText).text).toBe('0.12345678901234567')
    expect((v.c as unknown[])[1]).toBe(123456789012345)
    expect(v.d).toBe('9007199254740993')
  })

  it('writes parsed values back with every digit', () => {
    const text = '{"a":12345678901234567890123,"b":[true,null,"x\\"y"],"__proto__":1}'
    expect(jsonText(parseJsonExact(text))).toBe(text)
  })

  it('fails with the character offset on invalid JSON, in both parsers', () => {
    expect(() => parseJsonExact('{"a": 12345678901234567890,}')).toThrow(/character 27/)
    expect(() => parseJsonExact('{"a": 1,}')).toThrow(/Invalid JSON/)
    expect(() => parseJsonExact('{"a": 12345678901234567890} x')).toThrow(/expected end of the value/)
  })
})
