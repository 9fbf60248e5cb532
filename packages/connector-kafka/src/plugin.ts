import { CORE_API_VERSION, defineConnector, definePlugin } from '@ferris/core'
import { checkSinkOptions, KafkaSink } from './kafka-sink.js'
import { KafkaSource } from './kafka-source.js'
import { kafkaFromConnectionString, kafkaOptions } from './options.js'

export const kafkaConnector = defineConnector({
  scheme: 'kafka',
  typeNames: { source: 'kafka_source', sink: 'kafka_sink' },
  description:
    'Kafka topics: consumer groups, keys, headers, exactly-once transactions; JSON, Avro, string and bytes values',
  options: kafkaOptions,
  fromConnectionString: kafkaFromConnectionString,
  // The sink's options that only make sense together (one topic, a codec, acks with idempotence), for validate.
  check: (options, role, subject) => {
    if (role === 'sink') checkSinkOptions(options, subject)
  },
  createSource: (options, context) => new KafkaSource(options, context),
  createSink: (options, context) => new KafkaSink(options, context),
})

/** The plugin entry named in package.json (`ferris.plugin`). Registering it is the host's job. */
export const plugin = definePlugin({
  name: '@ferris/connector-kafka',
  version: '0.1.0',
  coreVersion: `^${CORE_API_VERSION}`,
  connectors: [kafkaConnector],
})

export default plugin
