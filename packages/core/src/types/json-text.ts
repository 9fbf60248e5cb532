import { FerrisError } from '../errors/ferris-error.js'

/**
 * JSON as read by `parseValue` for LIST, MAP and STRUCT text. `JSON.parse` turns every number into a double,
 * which would corrupt 64-bit integers and decimals, so numbers are kept as their text here (`JsonNumber`) and
 * converted once their target type is known.
 */
const BRAND = Symbol.for('ferris:json-number')

export class JsonNumber {
  readonly [BRAND] = true
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
}

/** Guard that works across duplicate installs of @ferris/core, unlike `instanceof`. */
export function isJsonNumber(value: unknown): value is JsonNumber {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
}

export type ExactJson = null | boolean | string | JsonNumber | ExactJson[] | { [key: string]: ExactJson }

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

export function parseExactJson(text: string): ExactJson {
  let i = 0
  const fail = (what: string): never => {
    throw new FerrisError(
      'FERRIS_TYPE_CONVERSION',
      `Cannot read ${JSON.stringify(text)} as JSON: ${what} at character ${i + 1}`,
      {
        value: text,
        expected: 'JSON text, e.g. [1, 2] or {"a": 1}',
        hint: 'Fix the JSON',
      },
    )
  }
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++
  }
  const value = (): ExactJson => {
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      const out: { [key: string]: ExactJson } = {}
      ws()
      if (text[i] === '}') {
        i++
        return out
      }
      for (;;) {
        ws()
        if (text[i] !== '"') fail('expected a property name')
        const key = string()
        ws()
        if (text[i] !== ':') fail('expected ":"')
        i++
        // defineProperty, not assignment: a "__proto__" key must become a field, not the object's prototype.
        Object.defineProperty(out, key, { value: value(), enumerable: true, writable: true, configurable: true })
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') {
          i++
          return out
        }
        fail('expected "," or "}"')
      }
    }
    if (c === '[') {
      i++
      const out: ExactJson[] = []
      ws()
      if (text[i] === ']') {
        i++
        return out
      }
      for (;;) {
        out.push(value())
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') {
          i++
          return out
        }
        fail('expected "," or "]"')
      }
    }
    if (c === '"') return string()
    if (text.startsWith('true', i)) {
      i += 4
      return true
    }
    if (text.startsWith('false', i)) {
      i += 5
      return false
    }
    if (text.startsWith('null', i)) {
      i += 4
      return null
    }
    NUMBER.lastIndex = i
    const m = NUMBER.exec(text)
    if (m === null) return fail('unexpected character')
    i += m[0].length

    return new JsonNumber(m[0])
  }
  const string = (): string => {
    const start = i
    i++
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
    if (i >= text.length) fail('unterminated string')
    i++
    try {
      return JSON.parse(text.slice(start, i)) as string
    } catch {
      return fail('invalid string escape')
    }
  }
  const result = value()
  ws()
  if (i < text.length) fail('unexpected text after the value')

  return result
}
