import { FerrisError, type Row, type Schema, type Value } from '@ferris/core'
import { jsonToValue } from '../convert/json-value.js'
import { isJsonNumberText, type JsonAny, parseJsonExact } from '../json/exact-json.js'
import { valueToJson } from '../json/json-text.js'
import type { MessageDecoder, MessageEncoder } from './message-codec.js'

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * One JSON object per message. Numbers are read from their text (64-bit integers and decimals keep every
 * digit) and written from the exact value. A message with no value (a tombstone) is a row of nulls.
 */
export function jsonMessageDecoder(schema: Schema, subject: string): MessageDecoder {
  const fields = schema.fields
  const lower = fields.map((f) => f.name.toLowerCase())
  // A parsed object inherits Object.prototype: only a field named like one of its members ("constructor")
  // needs the own-property check to tell a missing field from an inherited member.
  const inherited = fields.map((f) => f.name in Object.prototype)

  return {
    prepare: async () => {},
    decode(value) {
      const row: Row = new Array<Value>(fields.length).fill(null)
      if (value === null) return row
      let text: string
      try {
        text = UTF8.decode(value)
      } catch (error) {
        throw new FerrisError('FERRIS_RECORD_MALFORMED', `${subject}: the message value is not UTF-8 text`, {
          subject,
          expected: 'a JSON object in UTF-8',
          cause: error,
        })
      }
      let parsed: JsonAny
      try {
        parsed = parseJsonExact(text)
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error)
        throw new FerrisError('FERRIS_RECORD_MALFORMED', `${subject}: the message value is not JSON: ${detail}`, {
          subject,
          value: text.length > 200 ? `${text.slice(0, 200)}…` : text,
          expected: 'one JSON object per message',
          cause: error,
        })
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || isJsonNumberText(parsed)) {
        throw new FerrisError('FERRIS_RECORD_MALFORMED', `${subject}: the message value is JSON but not an object`, {
          subject,
          value: text.length > 200 ? `${text.slice(0, 200)}…` : text,
          expected: 'one JSON object per message, e.g. {"id": 1}',
        })
      }
      const obj = parsed as { [key: string]: JsonAny }
      let byLower: Map<string, JsonAny> | undefined
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i]!
        let v = inherited[i] === true && !Object.hasOwn(obj, f.name) ? undefined : obj[f.name]
        if (v === undefined) {
          // SQL folds unquoted names, so `orderId` in JSON matches the column `orderid`.
          byLower ??= new Map(Object.entries(obj).map(([k, e]) => [k.toLowerCase(), e]))
          v = byLower.get(lower[i]!)
        }
        row[i] = jsonToValue(v, f.type, `${subject}.${f.name}`)
      }

      return row
    },
  }
}

export function jsonMessageEncoder(schema: Schema): MessageEncoder {
  const fields = schema.fields
  const names = fields.map((f) => JSON.stringify(f.name))

  return {
    prepare: async () => {},
    encode(row) {
      let out = '{'
      for (let i = 0; i < fields.length; i++) {
        if (i > 0) out += ','
        out += `${names[i]}:${valueToJson(row[i] ?? null, fields[i]!.type)}`
      }

      return Buffer.from(`${out}}`, 'utf8')
    },
  }
}
