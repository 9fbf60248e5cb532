// Seeds a Kafka topic with the 10,000 real US domestic flights of examples/data/flights-10k.json, one JSON
// message per flight, keyed by origin airport. Used by the kafka-to-clickhouse and kafka-to-s3-parquet
// examples.
//
//   node examples/kafka-to-clickhouse/seed.mjs [topic] [bootstrap]      # defaults: ferris-flights 127.0.0.1:19092
import { readFileSync } from 'node:fs'
import kafkajs from 'kafkajs'

const topic = process.argv[2] ?? 'ferris-flights'
const bootstrap = process.argv[3] ?? '127.0.0.1:19092'
const flights = JSON.parse(readFileSync(new URL('../data/flights-10k.json', import.meta.url), 'utf8'))

const kafka = new kafkajs.Kafka({ clientId: 'ferris-seed', brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING })
const admin = kafka.admin()
await admin.connect()
await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })
await admin.disconnect()

const producer = kafka.producer()
await producer.connect()
// Batches of 1000: one request per batch instead of one per flight.
for (let i = 0; i < flights.length; i += 1000) {
  const messages = flights.slice(i, i + 1000).map((f) => ({ key: f.origin, value: JSON.stringify(f) }))
  await producer.send({ topic, messages })
}
await producer.disconnect()
console.log(`${flights.length} flights sent to ${topic} on ${bootstrap}`)
