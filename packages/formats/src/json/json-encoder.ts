import type { DataType, RecordBatch, Schema } from '@ferris/core'
import { NO_BYTES, type RecordEncoder, utf8 } from '../encoder.js'
import { valueToJson } from './json-text.js'

/** One JSON object per line, keys in schema order; BIGINT and DECIMAL as JSON numbers with exact digits. */
export class JsonLinesEncoder implements RecordEncoder {
  readonly #keys: string[]
  readonly #types: DataType[]

  constructor(schema: Schema) {
    this.#keys = schema.fields.map((f, i) => `${i === 0 ? '{' : ','}${JSON.stringify(f.name)}:`)
    this.#types = schema.fields.map((f) => f.type)
  }

  begin(): Uint8Array {
    return NO_BYTES
  }

  encode(batch: RecordBatch): Uint8Array {
    return utf8(this.lines(batch, '\n'))
  }

  /** The rows as objects, each followed by `separator`. */
  lines(batch: RecordBatch, separator: string): string {
    const keys = this.#keys
    const types = this.#types
    let out = ''
    for (const row of batch.rows) {
      if (keys.length === 0) out += '{'
      for (let i = 0; i < keys.length; i++) out += keys[i]! + valueToJson(row[i] ?? null, types[i]!)
      out += `}${separator}`
    }

    return out
  }

  end(): Uint8Array {
    return NO_BYTES
  }
}

/** A JSON array of objects, one per line: `[` then objects separated by commas, then `]`. */
export class JsonArrayEncoder implements RecordEncoder {
  readonly #lines: JsonLinesEncoder
  #first = true

  constructor(schema: Schema) {
    this.#lines = new JsonLinesEncoder(schema)
  }

  begin(): Uint8Array {
    this.#first = true
    return utf8('[')
  }

  encode(batch: RecordBatch): Uint8Array {
    if (batch.rows.length === 0) return NO_BYTES
    const body = this.#lines.lines(batch, ',\n')
    const text = (this.#first ? '\n' : ',\n') + body.slice(0, -2)
    this.#first = false

    return utf8(text)
  }

  end(): Uint8Array {
    return utf8(this.#first ? ']\n' : '\n]\n')
  }
}
