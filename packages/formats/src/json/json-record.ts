import { type DataType, FerrisError, isFerrisError, type Row, type Schema } from '@ferris/core'
import { jsonToValue } from '../convert/json-value.js'
import type { DecoderOptions } from '../decoder.js'
import { isJsonNumberText, type JsonAny, parseJsonExact } from './exact-json.js'

/** Turns one record's JSON text into a row; throws a FerrisError for a bad record. */
export interface RecordTextConverter {
  convert(text: string): Row
}

export interface JsonDecoderOptions extends DecoderOptions {
  /** Replaces the conversion to `schema` (schema inference looks at the parsed values instead). */
  readonly converter?: RecordTextConverter
}

/**
 * Turns the text of one JSON record into a row of `schema`: fields are found by key (exact, then
 * case-insensitive); missing keys are NULL; extra keys are ignored. Throws a FerrisError for invalid JSON,
 * a record that is not an object, a value of the wrong type, or a NULL in a NOT NULL field.
 */
export class JsonRecordConverter implements RecordTextConverter {
  readonly #names: string[]
  readonly #types: DataType[]
  readonly #nullable: boolean[]

  constructor(schema: Schema) {
    this.#names = schema.fields.map((f) => f.name)
    this.#types = schema.fields.map((f) => f.type)
    this.#nullable = schema.fields.map((f) => f.nullable)
  }

  convert(text: string): Row {
    const doc = parseJsonExact(text)

    return this.convertValue(doc)
  }

  convertValue(doc: JsonAny): Row {
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || isJsonNumberText(doc)) {
      throw new FerrisError(
        'FERRIS_RECORD_MALFORMED',
        `A JSON record must be an object, found ${Array.isArray(doc) ? 'an array' : JSON.stringify(doc)}`,
        {
          expected: 'one JSON object per record, e.g. {"id": 1, "name": "a"}',
        },
      )
    }
    const names = this.#names
    const row: Row = new Array(names.length)
    let lower: Map<string, string> | undefined
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!
      let v = doc[name]
      if (v === undefined && !Object.hasOwn(doc, name)) {
        lower ??= new Map(Object.keys(doc).map((k) => [k.toLowerCase(), k]))
        const key = lower.get(name.toLowerCase())
        v = key === undefined ? undefined : doc[key]
      }
      try {
        row[i] = jsonToValue(v, this.#types[i]!, name)
      } catch (error) {
        throw isFerrisError(error)
          ? error
          : new FerrisError('FERRIS_TYPE_CONVERSION', String(error), { subject: name, cause: error })
      }
      if (row[i] === null && !this.#nullable[i]) {
        throw new FerrisError(
          'FERRIS_RECORD_MALFORMED',
          `Field "${name}" is NOT NULL but the record ${v === undefined ? 'lacks it' : 'holds null'}`,
          {
            subject: name,
            hint: 'Declare the field nullable or fix the record',
          },
        )
      }
    }

    return row
  }
}
