import { randomBytes } from 'node:crypto'
import { createConnection } from 'node:net'
import { Kafka, logLevel } from 'kafkajs'

/**
 * Shared by the `e2e-*.integration.test.ts` files: the local servers of tools/services, unique names per run,
 * and a plain kafkajs reader so the tests check topics with a client that is not Ferris.
 */
export const KAFKA = '127.0.0.1:19092'
export const POSTGRES = 'postgresql://ferris:ferris@127.0.0.1:15432/ferris'
/** The superuser, for publications and replication slots. */
export const POSTGRES_SUPER = 'postgresql://postgres@127.0.0.1:15432/ferris'
export const CLICKHOUSE = 'clickhouse://127.0.0.1:18123/ferris'
export const CLICKHOUSE_HTTP = 'http://127.0.0.1:18123'
export const S3_ENDPOINT = 'http://127.0.0.1:19000'
export const S3_BUCKET = 'ferris'
export const S3 = `s3://${S3_BUCKET}/?endpoint=${S3_ENDPOINT}&region=us-east-1&path_style=true&access_key_id=ferris&secret_access_key=ferris-secret`

const PORTS = { kafka: 19092, postgres: 15432, clickhouse: 18123, s3: 19000 } as const
export type Service = keyof typeof PORTS

/** Throws (so the test fails, never skips) when a server does not accept connections, saying how to start it. */
export async function requireServices(...services: Service[]): Promise<void> {
  for (const service of services) {
    const port = PORTS[service]
    const up = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port })
      socket.setTimeout(2000)
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('timeout', () => {
        socket.destroy()
        resolve(false)
      })
      socket.once('error', () => resolve(false))
    })
    if (!up)
      throw new Error(`${service} is not reachable on 127.0.0.1:${port}: start it with tools/services/${service}/start`)
  }
}

/** A name no other run uses: `<prefix>_<8 hex>` (underscores only, so it is a valid SQL, topic and key name). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`
}

export const kafka = new Kafka({ clientId: 'ferris-e2e', brokers: [KAFKA], logLevel: logLevel.NOTHING })

export interface TopicMessage {
  readonly partition: number
  readonly offset: bigint
  readonly key: string | null
  readonly value: string | null
}

/** Every message of a topic up to its current end offsets, read with kafkajs, ordered by partition and offset. */
export async function readTopic(topic: string, timeoutMs = 30_000): Promise<TopicMessage[]> {
  const admin = kafka.admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  const total = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0)
  const messages: TopicMessage[] = []
  if (total === 0) return messages

  const consumer = kafka.consumer({ groupId: uniqueName('e2e_check') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${messages.length} of ${total} messages of ${topic}`)),
        timeoutMs,
      )
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            messages.push({
              partition,
              offset: BigInt(message.offset),
              key: message.key?.toString() ?? null,
              value: message.value?.toString() ?? null,
            })
            if (messages.length >= total) {
              clearTimeout(timer)
              resolve()
            }
          },
        })
        .catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }

  return messages.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))
}

/** Sends JSON values (already serialized, so 64-bit numbers can be written exactly) to a topic. */
export async function produce(topic: string, values: readonly { key?: string; value: string }[]): Promise<void> {
  const producer = kafka.producer()
  await producer.connect()
  try {
    for (let i = 0; i < values.length; i += 1000) await producer.send({ topic, messages: values.slice(i, i + 1000) })
  } finally {
    await producer.disconnect()
  }
}

export async function deleteTopics(...topics: string[]): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const existing = new Set(await admin.listTopics())
    const present = topics.filter((t) => existing.has(t))
    if (present.length > 0) await admin.deleteTopics({ topics: present })
  } finally {
    await admin.disconnect()
  }
}

/** Splits a CSV line with RFC 4180 quotes (enough for the example data, whose fields have no newlines). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      out.push(field)
      field = ''
    } else field += c
  }
  out.push(field)

  return out
}

/** A CSV file's rows as objects of text, keyed by the header line. */
export function parseCsv(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l !== '')
  const header = splitCsvLine(lines[0]!)

  return lines.slice(1).map((line) => {
    const fields = splitCsvLine(line)
    return Object.fromEntries(header.map((h, i) => [h, fields[i] ?? '']))
  })
}
