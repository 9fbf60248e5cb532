import { FerrisError, type Row, type Schema, typeToString } from '@ferris/core'
import type { MessageDecoder, MessageEncoder } from './message-codec.js'

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/** Raw formats carry one field: the whole message value as text (`string`) or as bytes (`bytes`). */
function checkSingleField(schema: Schema, format: 'string' | 'bytes', subject: string): void {
  const field = schema.fields[0]
  if (schema.length !== 1 || field === undefined || field.type.kind !== (format === 'string' ? 'string' : 'bytes')) {
    throw new FerrisError(
      'FERRIS_SCHEMA_MISMATCH',
      `${subject}: format "${format}" holds the whole message value in one ${format === 'string' ? 'STRING' : 'BYTES'} column, but the value columns are (${schema.toString() || 'none'})`,
      {
        subject,
        value: schema.fields.map((f) => `${f.name} ${typeToString(f.type)}`).join(', '),
        expected: `exactly one ${format === 'string' ? 'STRING' : 'BYTES'} column besides _key, _timestamp, _partition, _offset, _headers`,
        hint: 'Declare one value column, or use format json or avro for records with several fields',
      },
    )
  }
}

export function stringMessageDecoder(schema: Schema, subject: string): MessageDecoder {
  checkSingleField(schema, 'string', subject)

  return {
    prepare: async () => {},
    decode(value) {
      if (value === null) return [null]
      try {
        return [UTF8.decode(value)]
      } catch (error) {
        throw new FerrisError('FERRIS_RECORD_MALFORMED', `${subject}: the message value is not valid UTF-8 text`, {
          subject,
          expected: 'UTF-8 text',
          hint: 'Use format bytes to read binary values',
          cause: error,
        })
      }
    },
  }
}

export function bytesMessageDecoder(schema: Schema, subject: string): MessageDecoder {
  checkSingleField(schema, 'bytes', subject)

  return {
    prepare: async () => {},
    decode: (value) => [value === null ? null : new Uint8Array(value)],
  }
}

export function stringMessageEncoder(schema: Schema, subject: string): MessageEncoder {
  checkSingleField(schema, 'string', subject)

  return {
    prepare: async () => {},
    encode(row: Row) {
      const v = row[0] ?? null
      if (v === null) return null
      if (typeof v !== 'string') throw notOfType(subject, v, 'STRING')

      return Buffer.from(v, 'utf8')
    },
  }
}

export function bytesMessageEncoder(schema: Schema, subject: string): MessageEncoder {
  checkSingleField(schema, 'bytes', subject)

  return {
    prepare: async () => {},
    encode(row: Row) {
      const v = row[0] ?? null
      if (v === null) return null
      if (!(v instanceof Uint8Array)) throw notOfType(subject, v, 'BYTES')

      return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
    },
  }
}

function notOfType(subject: string, v: unknown, type: string): FerrisError {
  return new FerrisError('FERRIS_TYPE_CONVERSION', `${subject}: the value column holds a ${typeof v}, not a ${type}`, {
    subject,
    expected: type,
  })
}
