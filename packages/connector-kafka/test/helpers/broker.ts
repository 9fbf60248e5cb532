import { randomUUID } from 'node:crypto'
import {
  type BadRecord,
  type ConnectorContext,
  ConnectorRegistry,
  type DataReader,
  type DataSink,
  type DataSource,
  noopMetrics,
  type RecordBatch,
  type Schema,
  silentLogger,
} from '@ferris/core'
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs'
import { afterAll } from 'vitest'
import { plugin } from '../../src/plugin.js'

export const BOOTSTRAP = process.env.FERRIS_KAFKA_BOOTSTRAP ?? '127.0.0.1:19092'
export const START_HINT = 'start it with tools/services/kafka/start'

export const kafka = new Kafka({
  clientId: 'ferris-test',
  brokers: [BOOTSTRAP],
  logLevel: logLevel.NOTHING,
  retry: { retries: 3 },
})

/** Fails (never skips) when the broker is down, saying how to start it. */
export async function requireBroker(): Promise<void> {
  const probe = new Kafka({
    clientId: 'ferris-probe',
    brokers: [BOOTSTRAP],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { retries: 1 },
  })
  const admin = probe.admin()
  try {
    await admin.connect()
    await admin.listTopics()
  } catch (error) {
    throw new Error(`The Kafka broker at ${BOOTSTRAP} does not answer (${(error as Error).message}): ${START_HINT}`)
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

const created: string[] = []
const admin = kafka.admin()
let adminReady: Promise<void> | undefined

/** A topic unique to this test, deleted after the file's tests. */
export async function createTopic(prefix: string, partitions = 1): Promise<string> {
  adminReady ??= admin.connect()
  await adminReady
  const topic = `${prefix}-${randomUUID().slice(0, 8)}`
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  })
  created.push(topic)

  return topic
}

/**
 * Every message of `topic` up to its end offsets now, read with kafkajs itself (a throwaway group), in the
 * order they arrive. Fails after 30 s with how many it got.
 */
export async function topicMessages(topic: string): Promise<KafkaMessage[]> {
  adminReady ??= admin.connect()
  await adminReady
  const offsets = await admin.fetchTopicOffsets(topic)
  const total = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0)
  const messages: KafkaMessage[] = []
  if (total === 0) return messages
  const consumer = kafka.consumer({ groupId: uniqueGroup('verify') })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${messages.length} of ${total} messages of ${topic}`)),
        30_000,
      )
      consumer
        .run({
          eachMessage: async ({ message }) => {
            messages.push(message)
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

  return messages
}

export function uniqueGroup(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

afterAll(async () => {
  if (adminReady === undefined) return
  await admin.deleteTopics({ topics: created }).catch(() => {})
  await admin.disconnect()
})

export interface TestContext extends ConnectorContext {
  readonly bad: BadRecord[]
  readonly abort: AbortController
}

export function testContext(name: string, policy: 'skip' | 'fail' = 'skip'): TestContext {
  const bad: BadRecord[] = []
  const abort = new AbortController()

  return {
    name,
    logger: silentLogger,
    metrics: noopMetrics,
    signal: abort.signal,
    cwd: process.cwd(),
    bad,
    abort,
    reportBadRecord: (r) => {
      if (policy === 'fail') throw r.error
      bad.push(r)
    },
  }
}

export const registry = new ConnectorRegistry().register(plugin)

export function source(
  name: string,
  uri: string,
  extra: Record<string, string> = {},
  ctx = testContext(name),
): { source: DataSource; ctx: TestContext } {
  return { source: registry.createSource({ name, role: 'source', properties: { uri, ...extra } }, ctx), ctx }
}

export function sink(
  name: string,
  uri: string,
  extra: Record<string, string> = {},
  ctx = testContext(name),
): { sink: DataSink; ctx: TestContext } {
  return { sink: registry.createSink({ name, role: 'sink', properties: { uri, ...extra } }, ctx), ctx }
}

/** Reads until `want` rows arrived, the source ends, or `timeoutMs` passes. */
export async function readRows(
  reader: DataReader,
  want: number,
  timeoutMs = 30_000,
): Promise<{ batches: RecordBatch[]; rows: number; position: unknown; ended: boolean }> {
  const batches: RecordBatch[] = []
  let rows = 0
  let position: unknown
  const until = Date.now() + timeoutMs
  while (rows < want && Date.now() < until) {
    const r = await reader.read()
    position = r.position
    if (r.kind === 'batch') {
      batches.push(r.batch)
      rows += r.batch.rows.length
    }
    if (r.kind === 'end') return { batches, rows, position, ended: true }
  }

  return { batches, rows, position, ended: false }
}

export function schemaNames(schema: Schema): string[] {
  return schema.names
}
