import { FerrisError } from '@ferris/core'
import { avroMessageDecoder, avroMessageEncoder } from './avro-message.js'
import { jsonMessageDecoder, jsonMessageEncoder } from './json-message.js'
import { MESSAGE_FORMATS, type MessageCodecOptions, type MessageDecoder, type MessageEncoder } from './message-codec.js'
import { bytesMessageDecoder, bytesMessageEncoder, stringMessageDecoder, stringMessageEncoder } from './raw-message.js'

/** The decoder for a message format. Checks the schema fits the format now, not at the first message. */
export function messageDecoder(options: MessageCodecOptions): MessageDecoder {
  const { schema, subject } = options
  switch (options.format) {
    case 'json':
      return jsonMessageDecoder(schema, subject)
    case 'avro':
      return avroMessageDecoder(schema, subject, options.avro ?? {})
    case 'string':
      return stringMessageDecoder(schema, subject)
    case 'bytes':
      return bytesMessageDecoder(schema, subject)
    default:
      throw unknownFormat(options.format, subject)
  }
}

export function messageEncoder(options: MessageCodecOptions): MessageEncoder {
  const { schema, subject } = options
  switch (options.format) {
    case 'json':
      return jsonMessageEncoder(schema)
    case 'avro':
      return avroMessageEncoder(schema, subject, options.avro ?? {})
    case 'string':
      return stringMessageEncoder(schema, subject)
    case 'bytes':
      return bytesMessageEncoder(schema, subject)
    default:
      throw unknownFormat(options.format, subject)
  }
}

function unknownFormat(format: string, subject: string): FerrisError {
  return new FerrisError('FERRIS_CONFIG_INVALID', `${subject}: unknown message format "${format}"`, {
    subject: `${subject}.format`,
    value: format,
    expected: `one of ${MESSAGE_FORMATS.join(', ')}`,
  })
}
