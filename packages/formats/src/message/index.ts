export { avroMessageDecoder, avroMessageEncoder, CONFLUENT_MAGIC } from './avro-message.js'
export { type AvroSchema, avroSchemaFor, avroType, parseAvroSchemaText, schemaFromAvro } from './avro-schema.js'
export { fromTwosComplement, toTwosComplement } from './avro-values.js'
export { jsonMessageDecoder, jsonMessageEncoder } from './json-message.js'
export {
  type AvroCodecOptions,
  type AvroWireFormat,
  MESSAGE_FORMATS,
  type MessageCodecOptions,
  type MessageDecoder,
  type MessageEncoder,
  type MessageFormatName,
} from './message-codec.js'
export { messageDecoder, messageEncoder } from './message-format.js'
export { bytesMessageDecoder, bytesMessageEncoder, stringMessageDecoder, stringMessageEncoder } from './raw-message.js'
export { SchemaRegistryClient, type SchemaRegistryOptions } from './schema-registry-client.js'
