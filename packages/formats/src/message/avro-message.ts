import { FerrisError, type Row, type Schema, type StructValue, T, type Value } from '@ferris/core'
import type avro from 'avsc'
import { type AvroSchema, avroSchemaFor, avroType, parseAvroSchemaText } from './avro-schema.js'
import { avroReader, avroWriter, type Convert, type Unconvert } from './avro-values.js'
import type { AvroCodecOptions, MessageDecoder, MessageEncoder } from './message-codec.js'

/** Confluent's wire format: magic byte 0, then the schema id as a 4-byte big-endian integer, then the Avro body. */
export const CONFLUENT_MAGIC = 0
const HEADER = 5

interface Compiled {
  readonly type: avro.Type
  readonly read: Convert
}

/**
 * Avro messages. With the Confluent wire format each message names its writer schema by id; the decoder
 * fetches unknown ids from the registry once (in `prepare`, once per batch) and maps the writer's fields to
 * the columns by name, so older and newer writer schemas both read into the same columns (missing fields
 * are null). With the plain format, `avro_schema` is the writer schema of every message.
 */
export function avroMessageDecoder(schema: Schema, subject: string, options: AvroCodecOptions): MessageDecoder {
  const wire = options.wireFormat ?? (options.registry === undefined ? 'plain' : 'confluent')
  const struct = T.struct(schema.fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable })))
  const compile = (s: AvroSchema): Compiled => ({ type: avroType(s, subject), read: avroReader(s, struct, subject) })
  const fixed =
    options.schema === undefined ? undefined : compile(parseAvroSchemaText(options.schema, `${subject}.avro_schema`))
  if (wire === 'plain' && fixed === undefined) {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `${subject}: Avro without the Confluent wire format needs avro_schema`,
      {
        subject: `${subject}.avro_schema`,
        hint: 'Give avro_schema (the writer schema as JSON), or set schema_registry_url for Confluent-framed messages',
      },
    )
  }
  const byId = new Map<number, Compiled>()
  const names = schema.names
  const toRow = (rec: Value): Row => {
    const st = rec as StructValue
    const row: Row = new Array(names.length)
    for (let i = 0; i < names.length; i++) row[i] = st[names[i]!] ?? null
    return row
  }

  return {
    async prepare(values) {
      if (wire !== 'confluent' || options.registry === undefined) return
      const missing = new Set<number>()
      for (const v of values) {
        if (v !== null && v.length >= HEADER && v[0] === CONFLUENT_MAGIC) {
          const id = readId(v)
          if (!byId.has(id)) missing.add(id)
        }
      }
      const registry = options.registry
      await Promise.all(
        [...missing].map(async (id) => {
          const text = await registry.schemaById(id)
          byId.set(id, compile(parseAvroSchemaText(text, `${subject} schema id ${id}`)))
        }),
      )
    },
    decode(value) {
      if (value === null) return new Array(names.length).fill(null)
      let compiled = fixed
      let body: Buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
      if (wire === 'confluent') {
        if (value.length < HEADER || value[0] !== CONFLUENT_MAGIC) {
          throw new FerrisError(
            'FERRIS_RECORD_MALFORMED',
            `${subject}: the message does not start with the Confluent magic byte 0 and a schema id`,
            {
              subject,
              value: value.length === 0 ? 'an empty value' : `first byte ${value[0]}, ${value.length} bytes`,
              expected: 'magic byte 0, a 4-byte schema id, then the Avro body',
              hint: 'Set avro_wire_format=plain for bare Avro bodies',
            },
          )
        }
        const id = readId(value)
        compiled = byId.get(id) ?? (options.registry === undefined ? fixed : undefined)
        if (compiled === undefined) {
          throw new FerrisError(
            'FERRIS_RECORD_MALFORMED',
            `${subject}: the message names schema id ${id}, which the registry did not give`,
            {
              subject,
              value: id,
            },
          )
        }
        body = body.subarray(HEADER)
      }
      let decoded: unknown
      try {
        decoded = compiled!.type.fromBuffer(body)
      } catch (error) {
        throw new FerrisError(
          'FERRIS_RECORD_MALFORMED',
          `${subject}: the message is not valid Avro for its schema: ${(error as Error).message}`,
          {
            subject,
            value: `${body.length} bytes`,
            cause: error,
          },
        )
      }

      return toRow(compiled!.read(decoded))
    },
  }
}

export function avroMessageEncoder(schema: Schema, subject: string, options: AvroCodecOptions): MessageEncoder {
  const wire =
    options.wireFormat ?? (options.registry === undefined && options.schemaId === undefined ? 'plain' : 'confluent')
  const avroSchema =
    options.schema === undefined
      ? avroSchemaFor(schema, 'record', subject)
      : parseAvroSchemaText(options.schema, `${subject}.avro_schema`)
  const type = avroType(avroSchema, subject)
  const struct = T.struct(schema.fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable })))
  const write: Unconvert = avroWriter(avroSchema, struct, subject)
  const names = schema.names
  let header: Buffer | undefined
  if (wire === 'confluent' && options.registry === undefined) {
    if (options.schemaId === undefined) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `${subject}: Confluent-framed Avro needs schema_registry_url or avro_schema_id`,
        {
          subject: `${subject}.schema_registry_url`,
          hint: 'Set schema_registry_url, or avro_schema_id with avro_schema, or avro_wire_format=plain',
        },
      )
    }
    header = idHeader(options.schemaId)
  }

  return {
    async prepare() {
      if (wire !== 'confluent' || header !== undefined || options.registry === undefined) return
      const id = await options.registry.register(
        options.registrySubject ?? `${subject}-value`,
        JSON.stringify(avroSchema),
      )
      header = idHeader(id)
    },
    encode(row) {
      const rec: Record<string, Value> = {}
      for (let i = 0; i < names.length; i++) rec[names[i]!] = row[i] ?? null
      let body: Buffer
      try {
        body = type.toBuffer(write(rec))
      } catch (error) {
        throw new FerrisError(
          'FERRIS_TYPE_CONVERSION',
          `${subject}: the row does not fit the Avro schema: ${(error as Error).message}`,
          {
            subject,
            cause: error,
          },
        )
      }
      if (wire === 'plain') return body
      if (header === undefined) {
        throw new FerrisError(
          'FERRIS_INTERNAL',
          `${subject}: encode was called before prepare registered the Avro schema`,
          { subject },
        )
      }

      return Buffer.concat([header, body])
    },
  }
}

function readId(v: Uint8Array): number {
  return ((v[1]! << 24) >>> 0) + (v[2]! << 16) + (v[3]! << 8) + v[4]!
}

function idHeader(id: number): Buffer {
  const h = Buffer.alloc(HEADER)
  h[0] = CONFLUENT_MAGIC
  h.writeUInt32BE(id, 1)

  return h
}
