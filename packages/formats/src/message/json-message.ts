import { isUtf8 } from 'node:buffer'
import { FerrisError, type Row, type Schema, type Value } from '@ferris/core'
import { jsonToValue } from '../convert/json-value.js'
import { isJsonNumberText, type JsonAny, mayHoldInexactNumber, parseJsonLossless } from '../json/exact-json.js'
import { flatObjectScanner } from '../json/flat-object-scanner.js'
import { valueToJson } from '../json/json-text.js'
import type { MessageDecoder, MessageEncoder } from './message-codec.js'

/**
 * One JSON object per message. Numbers are read from their text (64-bit integers and decimals keep every
 * digit) and written from the exact value. A message with no value (a tombstone) is a row of nulls.
 *
 * Speed: a value is parsed with `JSON.parse`, and each field is checked to hold what the exact parser would
 * give: strings, booleans and nulls always do, numbers do for a DOUBLE column and, when they are safe integers,
 * for integer columns. Only a message with some other field (a number for a DECIMAL or STRING column, an
 * object, an integer beyond 2^53) is checked for a long digit run and, when it has one, parsed again exactly.
 * Before all that, a flat object of ASCII scalars is read straight from its bytes (`flatObjectScanner`, about
 * four times faster, giving the same rows); any other message takes the path above.
 */
export function jsonMessageDecoder(
  schema: Schema,
  subject: string,
  options: {
    /** `false`: always the general path (tests compare the two). */
    readonly scan?: boolean
  } = {},
): MessageDecoder {
  const fields = schema.fields
  const lower = fields.map((f) => f.name.toLowerCase())
  // A parsed object inherits Object.prototype: only a field named like one of its members ("constructor")
  // needs the own-property check to tell a missing field from an inherited member.
  const inherited = fields.map((f) => f.name in Object.prototype)
  const kinds = fields.map((f) => f.type.kind)
  const paths = fields.map((f) => `${subject}.${f.name}`)
  const scan = options.scan === false ? undefined : flatObjectScanner(fields, paths)

  // Columns whose names differ only in case (`id` and `ID`, as inference finds in a topic holding both keys):
  // a key that is the exact name of one of them belongs to that column alone, never to the other by folding.
  const exactNames = new Set(lower).size === fields.length ? undefined : new Set(fields.map((f) => f.name))

  // The lower-cased keys of the object being decoded, built when a field is not found by its exact name.
  let byLower: Map<string, JsonAny> | undefined
  const lookup = (obj: { [key: string]: JsonAny }, i: number): JsonAny | undefined => {
    const name = fields[i]!.name
    const v = inherited[i] === true && !Object.hasOwn(obj, name) ? undefined : obj[name]
    if (v !== undefined) return v
    // SQL folds unquoted names, so `orderId` in JSON matches the column `orderid`.
    byLower ??= new Map(
      Object.entries(obj)
        .filter(([k]) => exactNames?.has(k) !== true)
        .map(([k, e]) => [k.toLowerCase(), e]),
    )
    return byLower.get(lower[i]!)
  }

  return {
    prepare: async () => {},
    decode(value) {
      if (value === null) return new Array<Value>(fields.length).fill(null)
      const scanned = scan?.(value)
      if (scanned !== undefined) return scanned
      try {
        return decodeGeneral(value)
      } catch (error) {
        // The exact parser and the JSON text of a nested value for a STRING column recurse per level.
        if (!(error instanceof RangeError && /call stack/i.test(error.message))) throw error
        throw new FerrisError('FERRIS_RECORD_MALFORMED', `${subject}: the message value is nested too deeply`, {
          subject,
          value: shorten(Buffer.from(value.buffer, value.byteOffset, Math.min(value.byteLength, 400)).toString()),
          expected: 'JSON objects and arrays nested a few thousand levels at most',
          cause: error,
        })
      }
    },
  }

  function decodeGeneral(value: Uint8Array): Row {
    const row: Row = new Array<Value>(fields.length).fill(null)
    const text = utf8Text(value, subject)
    let obj = objectOf(parse(text, JSON.parse, subject), text, subject)
    byLower = undefined
    let exact = true
    for (let i = 0; i < fields.length && exact; i++) {
      const v = lookup(obj, i)
      if (v === undefined || v === null || typeof v === 'string' || typeof v === 'boolean') continue
      const k = kinds[i]
      exact =
        typeof v === 'number' && (k === 'float64' || ((k === 'int64' || k === 'int32') && Number.isSafeInteger(v)))
    }
    if (!exact && mayHoldInexactNumber(text)) {
      obj = objectOf(parse(text, parseJsonLossless, subject), text, subject)
      byLower = undefined
    }
    for (let i = 0; i < fields.length; i++) row[i] = jsonToValue(lookup(obj, i), fields[i]!.type, paths[i]!)
    byLower = undefined

    return row
  }
}

/** The text of a message value; invalid UTF-8 is an error, not replacement characters. */
function utf8Text(value: Uint8Array, subject: string): string {
  const b = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (!isUtf8(b)) {
    throw new FerrisError('FERRIS_RECORD_MALFORMED', `${subject}: the message value is not UTF-8 text`, {
      subject,
      expected: 'a JSON object in UTF-8',
    })
  }

  return b.toString('utf8')
}

function parse(text: string, parser: (text: string) => unknown, subject: string): JsonAny {
  try {
    return parser(text) as JsonAny
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw new FerrisError('FERRIS_RECORD_MALFORMED', `${subject}: the message value is not JSON: ${detail}`, {
      subject,
      value: shorten(text),
      expected: 'one JSON object per message',
      cause: error,
    })
  }
}

function objectOf(parsed: JsonAny, text: string, subject: string): { [key: string]: JsonAny } {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || isJsonNumberText(parsed)) {
    throw new FerrisError('FERRIS_RECORD_MALFORMED', `${subject}: the message value is JSON but not an object`, {
      subject,
      value: shorten(text),
      expected: 'one JSON object per message, e.g. {"id": 1}',
    })
  }

  return parsed as { [key: string]: JsonAny }
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}

export function jsonMessageEncoder(schema: Schema): MessageEncoder {
  const fields = schema.fields
  const types = fields.map((f) => f.type)
  // What precedes each value, built once: `{"id":`, `,"amount":`, ...
  const prefixes = fields.map((f, i) => `${i === 0 ? '{' : ','}${JSON.stringify(f.name)}:`)

  return {
    prepare: async () => {},
    encode(row) {
      if (fields.length === 0) return Buffer.from('{}', 'utf8')
      let out = ''
      for (let i = 0; i < prefixes.length; i++) out += prefixes[i]! + valueToJson(row[i] ?? null, types[i]!)

      return Buffer.from(`${out}}`, 'utf8')
    },
  }
}
