import type { ConnectorContext } from '@ferris/core'
import {
  type AvroCodecOptions,
  type AvroWireFormat,
  type MessageFormatName,
  SchemaRegistryClient,
} from '@ferris/formats'
import type { KafkaOptions } from './options.js'

/** The Avro part of the message codec options, with a registry client when one is configured. */
export function avroCodecOptions(options: KafkaOptions, _context: ConnectorContext, topic?: string): AvroCodecOptions {
  const registry =
    options.schema_registry_url === undefined
      ? undefined
      : new SchemaRegistryClient({
          url: options.schema_registry_url,
          ...(options.schema_registry_username === undefined ? {} : { username: options.schema_registry_username }),
          ...(options.schema_registry_password === undefined ? {} : { password: options.schema_registry_password }),
          timeoutMs: options.request_timeout,
        })

  return {
    ...(options.avro_schema === undefined ? {} : { schema: options.avro_schema }),
    ...(options.avro_wire_format === undefined ? {} : { wireFormat: options.avro_wire_format as AvroWireFormat }),
    ...(registry === undefined ? {} : { registry }),
    ...(options.registry_subject !== undefined
      ? { registrySubject: options.registry_subject }
      : topic === undefined
        ? {}
        : { registrySubject: `${topic}-value` }),
    ...(options.avro_schema_id === undefined ? {} : { schemaId: options.avro_schema_id }),
  }
}

export function formatOf(options: KafkaOptions): MessageFormatName {
  return options.format as MessageFormatName
}
