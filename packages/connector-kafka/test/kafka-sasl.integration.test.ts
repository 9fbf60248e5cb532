import { ConnectorRegistry, type Row, Schema, T } from '@ferris/core'
import { MemoryStore, memoryPlugin } from '@ferris/core/testing'
import { runApplication } from '@ferris/sql'
import { Kafka, logLevel } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { plugin as kafkaPlugin } from '../src/plugin.js'
import { BOOTSTRAP, createTopic, requireBroker, START_HINT, uniqueGroup } from './helpers/broker.js'

/*
 * The broker's second listener (tools/services/kafka/start): SASL_PLAINTEXT with PLAIN, user ferris. The same
 * cluster as BOOTSTRAP, so topics are made through the plaintext listener and used through this one.
 */
const SASL = process.env.FERRIS_KAFKA_SASL_BOOTSTRAP ?? BOOTSTRAP.replace(/:(\d+)$/, (_, p) => `:${Number(p) + 2}`)
const PASSWORD = 'ferris-secret'

beforeAll(async () => {
  await requireBroker()
  const admin = new Kafka({
    clientId: 'ferris-sasl-probe',
    brokers: [SASL],
    sasl: { mechanism: 'plain', username: 'ferris', password: PASSWORD },
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { retries: 1 },
  }).admin()
  try {
    await admin.connect()
    await admin.listTopics()
  } catch (error) {
    throw new Error(
      `The broker's SASL listener at ${SASL} does not answer (${(error as Error).message}): ${START_HINT} (a broker started before the listener was added needs tools/services/kafka/stop first)`,
    )
  } finally {
    await admin.disconnect().catch(() => {})
  }
})

const schema = Schema.of(['id', T.int64], ['name', T.string])

describe('[kafka] SASL/PLAIN', () => {
  it('writes and reads a topic through the authenticated listener, credentials from the connection string', async () => {
    const topic = await createTopic('sasl')
    const store = new MemoryStore()
    const rows: Row[] = Array.from({ length: 50 }, (_, i) => [BigInt(i) + 9007199254740993n, `n${i}`])
    store.set('src', rows, schema)
    const registry = () => new ConnectorRegistry().register(memoryPlugin(store)).register(kafkaPlugin)
    const uri = (query: string) =>
      `kafka://ferris:${PASSWORD}@${SASL}/${topic}?security_protocol=sasl_plaintext&sasl_mechanism=plain${query}`
    const write = await runApplication(
      `CREATE STREAM out AS SELECT * FROM src WITH ('src.uri' = 'memory://src', 'out.uri' = '${uri('')}')`,
      { registry: registry() },
    )
    expect(write.jobs[0]!.sink.written).toBe(50)
    const read = await runApplication(
      `SELECT id, name FROM back WITH ('back.uri' = '${uri(`&bounded=true&group_id=${uniqueGroup('sasl')}`)}',
        'back.schema' = 'id BIGINT, name STRING')`,
      { registry: registry() },
    )
    const back = (read.jobs[0]!.rows ?? []).map((r) => [r[0], r[1]])
    expect(back.sort((a, b) => ((a[0] as bigint) < (b[0] as bigint) ? -1 : 1))).toEqual(rows)
  })

  it('fails a wrong password as an authentication error that never shows the password', async () => {
    const topic = await createTopic('sasl-bad')
    const logged: string[] = []
    const logger = {
      log: (level: string, message: string, fields?: object) =>
        logged.push(`${level} ${message} ${JSON.stringify(fields)}`),
      child: () => logger,
      isLevelEnabled: () => true,
    }
    const error = await runApplication(
      `SELECT * FROM t WITH ('t.uri' = 'kafka://ferris:wrong-Pa55@${SASL}/${topic}?security_protocol=sasl_plaintext&bounded=true',
        't.schema' = 'id BIGINT')`,
      { registry: new ConnectorRegistry().register(kafkaPlugin), logger },
    ).catch((e: unknown) => e as Error & { code?: string })
    expect(error).toMatchObject({ code: 'FERRIS_AUTHENTICATION_FAILED' })
    expect(`${String(error)} ${JSON.stringify(error)} ${logged.join('\n')}`).not.toContain('wrong-Pa55')
  })
})
