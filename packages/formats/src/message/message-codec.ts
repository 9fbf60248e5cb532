import type { Row, Schema } from '@ferris/core'
import type { SchemaRegistryClient } from './schema-registry-client.js'

/**
 * Per-message formats: each Kafka (or queue) message holds one record. Unlike the stream formats, there is
 * no framing to find; a message is decoded whole or reported as bad whole.
 */
export const MESSAGE_FORMATS = ['json', 'avro', 'string', 'bytes'] as const
export type MessageFormatName = (typeof MESSAGE_FORMATS)[number]

/** How Avro bodies are framed: Confluent's magic byte + 4-byte schema id, or the bare binary encoding. */
export type AvroWireFormat = 'confluent' | 'plain'

export interface MessageCodecOptions {
  readonly format: MessageFormatName
  /** The fields a message's value holds (metadata columns such as `_key` already removed). */
  readonly schema: Schema
  /** Where the messages come from or go to (`orders`, a topic), for messages. */
  readonly subject: string
  readonly avro?: AvroCodecOptions
}

export interface AvroCodecOptions {
  /** The Avro schema as JSON text. Decoding: used for `plain` bodies. Encoding: the writer schema (else generated from `schema`). */
  readonly schema?: string
  readonly wireFormat?: AvroWireFormat
  /** Required for `confluent` decoding (to look up writer schemas by id) unless every message uses `schema`. */
  readonly registry?: SchemaRegistryClient
  /** The registry subject the encoder registers its schema under, e.g. `orders-value`. */
  readonly registrySubject?: string
  /** For `confluent` encoding without a registry: the schema id to write. */
  readonly schemaId?: number
}

/**
 * Turns message values into rows. `prepare` is awaited once per batch of messages (it fetches unknown Avro
 * writer schemas); `decode` is then synchronous per message.
 */
export interface MessageDecoder {
  prepare(values: ReadonlyArray<Uint8Array | null>): Promise<void>
  /**
   * A new row per call (the caller may keep and fill it), one value per field of the codec's schema, null
   * where the message has none. Throws FERRIS_RECORD_MALFORMED or FERRIS_TYPE_CONVERSION; the caller reports
   * the message as bad.
   */
  decode(value: Uint8Array | null): Row
}

/** Turns rows into message values. `prepare` is awaited once before the first `encode` (schema registration). */
export interface MessageEncoder {
  prepare(): Promise<void>
  /** A row of the codec's schema; `null` only for a raw format whose one field is null (a tombstone). */
  encode(row: Row): Buffer | null
}
