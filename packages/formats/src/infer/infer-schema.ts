import { type DataType, type Field, Schema } from '@ferris/core'
import { csvDialect } from '../csv/csv-dialect.js'
import { CsvTokenizer } from '../csv/csv-tokenizer.js'
import type { RecordDecoder } from '../decoder.js'
import { type JsonAny, parseJsonExact } from '../json/exact-json.js'
import { JsonArrayDecoder } from '../json/json-array-decoder.js'
import { JsonLinesDecoder } from '../json/json-lines-decoder.js'
import type { StreamFormatName, StreamFormatOptions } from '../stream-format.js'
import { jsonType, textType } from './value-types.js'
import { finalType, widen } from './widen.js'

export const DEFAULT_SAMPLE_SIZE = 1000

/**
 * Infers a schema from the first `sampleSize` records of a stream.
 *
 * Rules (see `textType`, `jsonType` and `widen`): each column's type is the widening of the types its
 * values suggest; a column that held only NULLs is STRING. Every inferred field is nullable: a sample cannot
 * prove a column never holds NULL, and a NOT NULL guessed from the first rows would turn a later empty field
 * into a bad record. CSV columns keep the file's order; JSON fields are in order of first appearance.
 * Malformed records in the sample are ignored here (the reader reports them). Undefined for an empty input.
 */
export async function inferSchema(
  chunks: AsyncIterable<Uint8Array>,
  format: StreamFormatName,
  options: StreamFormatOptions & { readonly sampleSize?: number } = {},
): Promise<Schema | undefined> {
  const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE_SIZE
  if (format === 'csv' || format === 'csv_no_header') {
    return inferCsv(chunks, format === 'csv' && (options.hasHeader ?? true), options, sampleSize)
  }

  return inferJson(chunks, format, sampleSize)
}

async function inferCsv(
  chunks: AsyncIterable<Uint8Array>,
  hasHeader: boolean,
  options: StreamFormatOptions,
  sampleSize: number,
): Promise<Schema | undefined> {
  const nullMarker = options.nullMarker ?? ''
  let header: string[] | undefined
  const types: Array<DataType | undefined> = []
  let seen = 0
  let width = 0
  const tokenizer = new CsvTokenizer(csvDialect(options), {
    record(fields, quoted) {
      if (hasHeader && header === undefined) {
        header = fields.map((f) => f.trim())
        return
      }
      if (seen >= sampleSize) return
      seen++
      width = Math.max(width, fields.length)
      for (let i = 0; i < fields.length; i++) {
        const text = fields[i]!
        if ((!quoted[i] && text === nullMarker) || text === '') continue
        types[i] = widen(types[i], textType(text))
      }
    },
    malformed() {},
  })
  for await (const chunk of chunks) {
    tokenizer.push(chunk)
    if (seen >= sampleSize) break
  }
  if (seen < sampleSize) tokenizer.end()
  if (header === undefined && seen === 0) return undefined
  const names = uniqueNames(header ?? Array.from({ length: width }, (_, i) => `column_${i + 1}`))

  return new Schema(names.map((name, i): Field => ({ name, type: finalType(types[i]), nullable: true })))
}

async function inferJson(
  chunks: AsyncIterable<Uint8Array>,
  format: 'jsonl' | 'json',
  sampleSize: number,
): Promise<Schema | undefined> {
  const order: string[] = []
  const types = new Map<string, DataType | undefined>()
  let seen = 0
  const converter = {
    convert(text: string) {
      const doc = parseJsonExact(text)
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return []
      if (seen >= sampleSize) return []
      seen++
      for (const [key, value] of Object.entries(doc as Record<string, JsonAny>)) {
        if (!types.has(key)) {
          order.push(key)
          types.set(key, undefined)
        }
        types.set(key, widen(types.get(key), jsonType(value)))
      }
      return []
    },
  }
  const base = { schema: new Schema([]), file: 'sample', converter }
  const decoder: RecordDecoder = format === 'jsonl' ? new JsonLinesDecoder(base) : new JsonArrayDecoder(base)
  for await (const chunk of chunks) {
    decoder.push(chunk)
    if (seen >= sampleSize) break
  }
  if (seen < sampleSize) decoder.end()
  if (seen === 0) return undefined

  return new Schema(order.map((name): Field => ({ name, type: finalType(types.get(name)), nullable: true })))
}

/** Empty names become `column_<n>`; repeated names get `_2`, `_3`. */
function uniqueNames(names: string[]): string[] {
  const used = new Set<string>()

  return names.map((n, i) => {
    let name = n === '' ? `column_${i + 1}` : n
    for (let k = 2; used.has(name); k++) name = `${n}_${k}`
    used.add(name)
    return name
  })
}
