import { isUtf8 } from 'node:buffer'
import {
  bytesPreview,
  type DataType,
  FerrisError,
  formatValue,
  type Header,
  parseValue,
  Schema,
  type StructValue,
  typeToString,
  type Value,
} from '@ferris/core'
import { jsonToValue, parseJsonExact, valueToJson } from '@ferris/formats'

/**
 * Columns that carry a message's metadata instead of a field of its value. A source fills those the query
 * declares; a sink takes the key, headers, timestamp and partition from them. Everything else is the value.
 */
export const META_COLUMNS = ['_key', '_timestamp', '_partition', '_offset', '_headers', '_topic'] as const
export type MetaColumn = (typeof META_COLUMNS)[number]

export type KeyFormat = 'string' | 'json' | 'bytes'

export interface ColumnLayout {
  /** The value's fields, in schema order. */
  readonly valueSchema: Schema
  /** `valueIndex[i]` is the row position of `valueSchema.fields[i]`. */
  readonly valueIndex: readonly number[]
  /** Row position of each metadata column the schema has. */
  readonly meta: Readonly<Partial<Record<MetaColumn, number>>>
}

export function columnLayout(schema: Schema, subject: string): ColumnLayout {
  const meta: Partial<Record<MetaColumn, number>> = {}
  const valueIndex: number[] = []
  schema.fields.forEach((f, i) => {
    const name = f.name.toLowerCase() as MetaColumn
    if ((META_COLUMNS as readonly string[]).includes(name)) {
      checkMetaType(name, f.type, subject)
      meta[name] = i
    } else {
      valueIndex.push(i)
    }
  })

  return { valueSchema: new Schema(valueIndex.map((i) => schema.fields[i]!)), valueIndex, meta }
}

const HEADER_FORMS =
  'LIST<STRUCT<key STRING, value BYTES>> (keeps order, repeats and nulls), or MAP<STRING, STRING> / MAP<STRING, BYTES>'

function checkMetaType(name: MetaColumn, type: DataType, subject: string): void {
  const ok =
    name === '_key'
      ? true
      : name === '_timestamp'
        ? type.kind === 'timestamp' || type.kind === 'int64'
        : name === '_partition'
          ? type.kind === 'int32' || type.kind === 'int64'
          : name === '_offset'
            ? type.kind === 'int64'
            : name === '_topic'
              ? type.kind === 'string'
              : isHeaderList(type) || isHeaderMap(type)
  if (ok) return
  const expected =
    name === '_timestamp'
      ? 'TIMESTAMP (or BIGINT epoch milliseconds)'
      : name === '_partition'
        ? 'INT or BIGINT'
        : name === '_offset'
          ? 'BIGINT'
          : name === '_topic'
            ? 'STRING'
            : HEADER_FORMS

  throw new FerrisError(
    'FERRIS_SCHEMA_MISMATCH',
    `${subject}: metadata column ${name} is declared ${typeToString(type)}; it must be ${expected}`,
    {
      subject: `${subject}.${name}`,
      value: typeToString(type),
      expected,
      hint: `Declare ${name} as ${expected.split(' (')[0]}, or rename the column if it is a value field`,
    },
  )
}

function isHeaderList(t: DataType): boolean {
  return (
    t.kind === 'list' &&
    t.element.kind === 'struct' &&
    t.element.fields.length === 2 &&
    t.element.fields[0]!.name.toLowerCase() === 'key' &&
    t.element.fields[0]!.type.kind === 'string' &&
    t.element.fields[1]!.name.toLowerCase() === 'value' &&
    (t.element.fields[1]!.type.kind === 'bytes' || t.element.fields[1]!.type.kind === 'string')
  )
}

function isHeaderMap(t: DataType): boolean {
  return t.kind === 'map' && t.key.kind === 'string' && (t.value.kind === 'string' || t.value.kind === 'bytes')
}

const UTF8 = new TextDecoder()

/**
 * The `_key` value of a message key (null stays null). Throws FERRIS_TYPE_CONVERSION, and FERRIS_RECORD_MALFORMED
 * for a key that is not UTF-8 when a column wants its text. With no `_key` column (`type` undefined) such a key
 * stays its bytes: nothing reads it as text, and a sink handed the record's key writes it unchanged.
 */
export function keyToValue(key: Buffer | null, type: DataType | undefined, format: KeyFormat, subject: string): Value {
  if (key === null) return null
  if (format === 'bytes' || type?.kind === 'bytes') return new Uint8Array(key)
  const text = keyText(key)
  if (text === undefined) {
    if (type === undefined) return new Uint8Array(key)
    throw new FerrisError('FERRIS_RECORD_MALFORMED', `${subject}: the message key is not UTF-8 text`, {
      subject: `${subject}._key`,
      value: bytesPreview(key),
      expected: `a UTF-8 key for key_format=${format}`,
      hint: "Declare _key as BYTES in the source's columns to read keys that are not text",
    })
  }
  // No _key column: the key is kept as text for RecordMeta (HEADER-like access, dead letters), whatever its format.
  if (type === undefined) return text
  // A JSON key is decoded: a string is its characters (no quotes), an object or number its JSON text for STRING.
  if (format === 'json') return jsonToValue(parseJsonExact(text), type, `${subject}._key`)
  if (type.kind === 'string') return text

  return parseValue(text, type)
}

/**
 * The text of a key, or undefined when it is not UTF-8 (decoding would turn its invalid bytes into U+FFFD, a
 * different key nobody could tell apart). Short ASCII keys (most are ids) by character codes, which costs less
 * than a call into Node's decoder; others by Buffer's UTF-8 decoding, without TextDecoder's per-call cost.
 */
function keyText(key: Buffer): string | undefined {
  if (key.length <= 24) {
    let text = ''
    for (let i = 0; i < key.length; i++) {
      const c = key[i]!
      if (c > 0x7f) return utf8(key)
      text += String.fromCharCode(c)
    }
    return text
  }

  return utf8(key)
}

function utf8(key: Buffer): string | undefined {
  // kafkajs hands Buffers; a plain Uint8Array (a test, another client) is viewed as one without a copy.
  const bytes: Uint8Array = key
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

  return isUtf8(b) ? b.toString('utf8') : undefined
}

/**
 * A message key from a column value of `type`: bytes, or text that kafkajs sends as UTF-8 (handing it the
 * string spares a copy into a Buffer of its own per message).
 */
export function valueToKey(value: Value, type: DataType, format: KeyFormat): Buffer | string | null {
  if (value === null) return null
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (format === 'json') return valueToJson(value, type)
  if (typeof value === 'string') return value

  return formatValue(value, type)
}

type KafkaHeaders = Record<string, Buffer | string | null | Array<Buffer | string | null> | undefined>

const NO_HEADERS: readonly Header[] = Object.freeze([])

/**
 * kafkajs header objects to the ordered list of RecordMeta. Repeats and null values are kept. Messages
 * without headers share one empty (frozen) list.
 */
export function headersFromKafka(headers: KafkaHeaders | undefined): readonly Header[] {
  if (headers === undefined) return NO_HEADERS
  let out: Header[] | undefined
  for (const key in headers) {
    if (!Object.hasOwn(headers, key)) continue
    out ??= []
    const v = headers[key]
    const values = Array.isArray(v) ? v : [v]
    for (const e of values)
      out.push({
        key,
        value: e === null || e === undefined ? null : new Uint8Array(typeof e === 'string' ? Buffer.from(e) : e),
      })
  }

  return out ?? NO_HEADERS
}

/** Headers as the value of a `_headers` column of `type`. */
export function headersToValue(headers: readonly Header[], type: DataType): Value {
  if (type.kind === 'list') {
    const asText = type.element.kind === 'struct' && type.element.fields[1]!.type.kind === 'string'
    const [k, v] =
      type.element.kind === 'struct' ? [type.element.fields[0]!.name, type.element.fields[1]!.name] : ['key', 'value']
    return headers.map(
      (h) => ({ [k]: h.key, [v]: h.value === null ? null : asText ? UTF8.decode(h.value) : h.value }) as StructValue,
    )
  }
  // Limitation: a MAP column keeps the last value of a repeated header; use the LIST form to keep them all.
  const asText = type.kind === 'map' && type.value.kind === 'string'
  const m = new Map<Value, Value>()
  for (const h of headers) m.set(h.key, h.value === null ? null : asText ? UTF8.decode(h.value) : h.value)

  return m
}

/** Whether a record of static headers is empty (checked without building its entry list). */
function noHeaders(extra: Readonly<Record<string, string>>): boolean {
  for (const _ in extra) return false
  return true
}

/** A `_headers` column value (and the sink's static headers) to kafkajs headers. */
export function headersToKafka(
  value: Value,
  type: DataType | undefined,
  extra: Readonly<Record<string, string>>,
): KafkaHeaders | undefined {
  if (value === null && noHeaders(extra)) return undefined
  const out: KafkaHeaders = {}
  let any = false
  const add = (key: string, v: Value) => {
    if (v === null) {
      // Limitation: kafkajs 2.2.4 cannot send a header without a value (its record encoder measures the value
      // with Buffer.byteLength before checking for null, and throws). Reading such headers works.
      throw new FerrisError(
        'FERRIS_UNSUPPORTED',
        `Header "${key}" has no value (null), which the Kafka client cannot send`,
        {
          subject: '_headers',
          value: key,
          expected: 'a header value (text or bytes)',
          hint: 'Give the header an empty value instead of NULL, or drop it in the SELECT',
        },
      )
    }
    const b = v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : String(v)
    const prev = out[key]
    out[key] = prev === undefined ? b : Array.isArray(prev) ? [...prev, b] : [prev, b]
    any = true
  }
  for (const [k, v] of Object.entries(extra)) add(k, v)
  if (value !== null && type !== undefined) {
    if (type.kind === 'list' && type.element.kind === 'struct') {
      const [k, v] = [type.element.fields[0]!.name, type.element.fields[1]!.name]
      for (const h of value as readonly StructValue[]) add(String(h[k]), h[v] ?? null)
    } else if (value instanceof Map) {
      for (const [k, v] of value as ReadonlyMap<Value, Value>) add(String(k), v)
    }
  }

  return any ? out : undefined
}
