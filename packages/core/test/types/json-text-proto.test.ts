import { describe, expect, it } from 'vitest'
import { isJsonNumber, parseExactJson } from '../../src/types/json-text.js'

describe('core: parseExactJson', () => {
  it('keeps a "__proto__" key as a field instead of replacing the prototype (object keys are defined, not assigned)', () => {
    const parsed = parseExactJson('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>
    expect(Object.keys(parsed)).toEqual(['__proto__', 'a'])
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype)
    expect((parsed as { polluted?: unknown }).polluted).toBeUndefined()
  })

  it('keeps numbers as exact text, recognised by a brand rather than instanceof', () => {
    const parsed = parseExactJson('[9223372036854775807, 0.1]') as unknown[]
    expect(parsed.every(isJsonNumber)).toBe(true)
    expect(parsed.map((n) => (n as { text: string }).text)).toEqual(['9223372036854775807', '0.1'])
  })
})
