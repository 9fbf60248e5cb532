import { type DataType, formatValue, type RecordBatch, type Schema, type Value } from '@ferris/core'
import { NO_BYTES, type RecordEncoder, utf8 } from '../encoder.js'
import { valueToJson } from '../json/json-text.js'
import { type CsvDialectOptions, csvDialect } from './csv-dialect.js'

export interface CsvEncoderOptions extends CsvDialectOptions {
  /** Write a header line with the field names (default true). */
  readonly header?: boolean
  /** Text written for NULL (default: empty). A string equal to it is quoted so it reads back as itself. */
  readonly nullMarker?: string
  /** Default `\n`. */
  readonly lineTerminator?: string
}

/**
 * Writes RFC 4180 CSV: fields holding the delimiter, a quote, a line break, leading or trailing spaces, or
 * the null marker's text are quoted, quotes inside doubled (or escaped with the escape character). NULL is
 * the null marker. Numbers, decimals, dates and timestamps use their exact SQL text; nested values are JSON.
 */
export class CsvEncoder implements RecordEncoder {
  readonly #schema: Schema
  readonly #types: DataType[]
  readonly #header: boolean
  readonly #null: string
  readonly #delim: string
  readonly #eol: string
  readonly #quote: string
  readonly #escapedQuote: string
  readonly #needsQuote: RegExp

  constructor(schema: Schema, options: CsvEncoderOptions = {}) {
    const d = csvDialect(options)
    this.#schema = schema
    this.#types = schema.fields.map((f) => f.type)
    this.#header = options.header ?? true
    this.#null = options.nullMarker ?? ''
    this.#delim = String.fromCharCode(d.delimiter)
    this.#eol = options.lineTerminator ?? '\n'
    this.#quote = d.quote < 0 ? '' : String.fromCharCode(d.quote)
    this.#escapedQuote = d.quote < 0 ? '' : String.fromCharCode(d.escape) + this.#quote
    const special = [this.#delim, this.#quote, '\n', '\r']
      .filter((c) => c !== '')
      .map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    this.#needsQuote = new RegExp(`[${special.join('')}]|^\\s|\\s$`)
  }

  begin(): Uint8Array {
    if (!this.#header) return NO_BYTES

    return utf8(this.#schema.fields.map((f) => this.#text(f.name)).join(this.#delim) + this.#eol)
  }

  encode(batch: RecordBatch): Uint8Array {
    const types = this.#types
    const n = types.length
    let out = ''
    for (const row of batch.rows) {
      for (let i = 0; i < n; i++) {
        if (i > 0) out += this.#delim
        out += this.#cell(row[i] ?? null, types[i]!)
      }
      out += this.#eol
    }

    return utf8(out)
  }

  end(): Uint8Array {
    return NO_BYTES
  }

  #cell(v: Value, type: DataType): string {
    if (v === null) return this.#null
    switch (type.kind) {
      case 'string':
        return typeof v === 'string' ? this.#text(v) : this.#text(String(v))
      case 'int32':
      case 'int64':
        return typeof v === 'number' || typeof v === 'bigint' ? String(v) : this.#text(formatValue(v, type))
      case 'list':
      case 'map':
      case 'struct':
        return this.#text(valueToJson(v, type))
      default:
        return this.#text(formatValue(v, type))
    }
  }

  #text(s: string): string {
    if (this.#quote === '' || (s !== this.#null && !this.#needsQuote.test(s)) || (s === '' && this.#null !== '')) {
      return s
    }

    return this.#quote + s.replaceAll(this.#quote, this.#escapedQuote) + this.#quote
  }
}
