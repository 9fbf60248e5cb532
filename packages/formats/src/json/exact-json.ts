import { FerrisError } from '@ferris/core'

const BRAND = Symbol.for('ferris:json-number-text')

/**
 * A JSON number kept as its text because a double cannot hold it exactly: an integer beyond 2^53 or a
 * number with more than 15 significant digits. Converting it to BIGINT or DECIMAL keeps every digit.
 */
export class JsonNumberText {
  readonly [BRAND] = true
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
  toJSON(): string {
    return this.text
  }
}

export function isJsonNumberText(v: unknown): v is JsonNumberText {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[BRAND] === true
}

export type JsonAny = null | boolean | number | string | JsonNumberText | JsonAny[] | { [key: string]: JsonAny }

/** A run of 16 digits (or digits and a point) is the only way a JSON text can hold a number a double would round. */
const MAYBE_INEXACT = /[0-9.]{16}/

/**
 * Whether `JSON.parse(text)` may round a number of `text` (it has a run of 16 digits). When false, `JSON.parse`
 * gives what `parseJsonExact` gives.
 */
export function mayHoldInexactNumber(text: string): boolean {
  return MAYBE_INEXACT.test(text)
}

/** Parses JSON with the exact parser alone (long numbers kept as `JsonNumberText`), skipping the fast check. */
export function parseJsonLossless(text: string): JsonAny {
  return new ExactParser(text).parseDocument()
}

/**
 * Parses JSON keeping every number exact. Texts without a long digit run go through `JSON.parse` (fast);
 * the others through a small parser that keeps long numbers as `JsonNumberText`.
 * Throws FERRIS_RECORD_MALFORMED with the character offset on invalid JSON.
 */
export function parseJsonExact(text: string): JsonAny {
  if (!MAYBE_INEXACT.test(text)) {
    try {
      return JSON.parse(text) as JsonAny
    } catch (error) {
      throw new FerrisError('FERRIS_RECORD_MALFORMED', `Invalid JSON: ${(error as Error).message}`, {
        expected: 'one JSON value',
        cause: error,
      })
    }
  }

  return new ExactParser(text).parseDocument()
}

const WS = /[ \t\n\r]*/y
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings; this finds them.
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y

class ExactParser {
  #i = 0
  readonly text: string
  constructor(text: string) {
    this.text = text
  }

  parseDocument(): JsonAny {
    const v = this.#value()
    this.#ws()
    if (this.#i < this.text.length) this.#fail('end of the value')

    return v
  }

  #ws(): void {
    WS.lastIndex = this.#i
    WS.exec(this.text)
    this.#i = WS.lastIndex
  }

  #fail(expected: string): never {
    const found = this.#i < this.text.length ? JSON.stringify(this.text[this.#i]) : 'the end of the text'
    throw new FerrisError(
      'FERRIS_RECORD_MALFORMED',
      `Invalid JSON at character ${this.#i}: expected ${expected}, found ${found}`,
      {
        value: this.text.slice(Math.max(0, this.#i - 20), this.#i + 20),
        expected: 'one JSON value',
      },
    )
  }

  #value(): JsonAny {
    this.#ws()
    const c = this.text[this.#i]
    switch (c) {
      case '{':
        return this.#object()
      case '[':
        return this.#array()
      case '"':
        return this.#string()
      case 't':
        return this.#literal('true', true)
      case 'f':
        return this.#literal('false', false)
      case 'n':
        return this.#literal('null', null)
      default:
        return this.#number()
    }
  }

  #literal<V extends JsonAny>(word: string, value: V): V {
    if (!this.text.startsWith(word, this.#i)) this.#fail(`"${word}"`)
    this.#i += word.length

    return value
  }

  #number(): number | JsonNumberText {
    NUMBER.lastIndex = this.#i
    const m = NUMBER.exec(this.text)
    if (m === null) this.#fail('a JSON value')
    this.#i = NUMBER.lastIndex
    const token = m[0]
    const mantissa = token
      .replace(/[eE].*$/, '')
      .replace(/^-?0*/, '')
      .replace('.', '')
      .replace(/^0+/, '')

    return mantissa.length > 15 ? new JsonNumberText(token) : Number(token)
  }

  #string(): string {
    STRING.lastIndex = this.#i
    const m = STRING.exec(this.text)
    if (m === null) this.#fail('a valid JSON string')
    this.#i = STRING.lastIndex

    return JSON.parse(m[0]) as string
  }

  #array(): JsonAny[] {
    this.#i++
    const out: JsonAny[] = []
    this.#ws()
    if (this.text[this.#i] === ']') {
      this.#i++
      return out
    }
    for (;;) {
      out.push(this.#value())
      this.#ws()
      const c = this.text[this.#i]
      this.#i++
      if (c === ']') return out
      if (c !== ',') {
        this.#i--
        this.#fail('"," or "]"')
      }
    }
  }

  #object(): { [key: string]: JsonAny } {
    this.#i++
    const out: { [key: string]: JsonAny } = {}
    this.#ws()
    if (this.text[this.#i] === '}') {
      this.#i++
      return out
    }
    for (;;) {
      this.#ws()
      if (this.text[this.#i] !== '"') this.#fail('a quoted key')
      const key = this.#string()
      this.#ws()
      if (this.text[this.#i] !== ':') this.#fail('":"')
      this.#i++
      // defineProperty: a "__proto__" key is data, as with JSON.parse.
      Object.defineProperty(out, key, { value: this.#value(), enumerable: true, writable: true, configurable: true })
      this.#ws()
      const c = this.text[this.#i]
      this.#i++
      if (c === '}') return out
      if (c !== ',') {
        this.#i--
        this.#fail('"," or "}"')
      }
    }
  }
}
