import { type ConnectorContext, noopMetrics, Schema, silentLogger, T, validateOptions } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { KafkaSource } from '../src/kafka-source.js'
import { type KafkaOptions, kafkaOptions } from '../src/options.js'
import { fakeClient } from './helpers/fake-client.js'

const context: ConnectorContext = {
  name: 'events',
  logger: silentLogger,
  metrics: noopMetrics,
  signal: new AbortController().signal,
  cwd: process.cwd(),
  reportBadRecord: (record) => {
    throw record.error
  },
}

function source(raw: Record<string, string>, setup: Parameters<typeof fakeClient>[0] = {}) {
  const { createClient, log } = fakeClient(setup)
  const options = validateOptions(
    kafkaOptions,
    { bootstrap_servers: '127.0.0.1:1', topic: 't', ...raw },
    {
      subject: 'events',
    },
  )

  return { source: new KafkaSource(options as KafkaOptions, context, createClient), log }
}

describe('[kafka] source lifecycle', () => {
  it('leaves no client connected when the job opens a source that schema discovery already opened', async () => {
    // The runner discovers the schema, then opens the same source for the job and closes it at the end: a
    // second open used to replace the first admin client without disconnecting it, and the process never exited.
    const { source: s, log } = source({ bounded: 'true' })
    await s.discoverSchema()
    await s.open()
    await s.open()
    await s.close()
    expect([...log.open]).toEqual([])
    expect(log.events.filter((e) => e.endsWith('.connect'))).toEqual(['admin1.connect'])
  })

  it('closes idempotently and can be opened again after close', async () => {
    const { source: s, log } = source({})
    await s.open()
    await s.close()
    await s.close()
    expect(log.events).toEqual(['admin1.connect', 'admin1.disconnect'])
    await s.open()
    await s.close()
    expect([...log.open]).toEqual([])
  })

  it('stops the schema-sampling consumer only after its group join, so no join reconnects after disconnect', async () => {
    // kafkajs joins the group in the background after run(); disconnecting before the join completes leaves the
    // join to reconnect on its own. Here the sample times out (10 ms) long before the join (60 ms).
    const { source: s, log } = source(
      { schema_sample_timeout: '10ms' },
      { offsets: [[0, 2]], values: ['{"a": 1}', '{"a": 2}'], joinAfterMs: 60 },
    )
    await s.discoverSchema()
    await s.close()
    const consumer = log.events.filter((e) => e.startsWith('consumer1.'))
    expect(consumer.indexOf('consumer1.join')).toBeGreaterThanOrEqual(0)
    expect(consumer.indexOf('consumer1.join')).toBeLessThan(consumer.indexOf('consumer1.stop'))
    expect(consumer.at(-1)).toBe('consumer1.disconnect')
    expect([...log.open]).toEqual([])
  })

  it('says what Avro needs when it has neither a schema nor a registry to discover one from', async () => {
    const { source: s } = source({ format: 'avro' })
    await expect(s.discoverSchema()).rejects.toThrow(
      expect.objectContaining({
        code: 'FERRIS_CONFIG_INVALID',
        message: 'events: Avro messages carry no schema, and neither avro_schema nor schema_registry_url is set',
      }),
    )
  })

  it('infers the schema from the sampled values and disconnects the sampling consumer', async () => {
    const { source: s, log } = source({}, { offsets: [[0, 2]], values: ['{"a": 1, "b": "x"}', '{"a": 2, "b": "y"}'] })
    const schema = await s.discoverSchema()
    expect(schema?.names).toEqual(['a', 'b'])
    await s.close()
    expect([...log.open]).toEqual([])
  })
})

describe('[kafka] brokers gone longer than reconnect_timeout', () => {
  it('fails the read for good, so the job stops after reconnect_timeout instead of retrying on', async () => {
    const gone = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1'), {
      name: 'KafkaJSConnectionError',
    })
    const { source: s } = source({ reconnect_timeout: '20ms', max_wait: '10ms' }, { crashBeforeJoin: gone })
    await s.open()
    const reader = await s.createReader({ schema: Schema.of(['a', T.int64]), batchSize: 10 })
    // The consumer restarts itself: reads are idle until the outage outlasts reconnect_timeout.
    expect((await reader.read()).kind).toBe('idle')
    await new Promise((resolve) => setTimeout(resolve, 40))
    const failure = await reader.read().then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(failure).toMatchObject({ code: 'FERRIS_CONNECTION_FAILED', retryable: false })
    expect(String(failure)).toMatch(/unreachable for more than 20 ms/)
    await reader.close()
    await s.close()
  })
})

describe('[kafka] source options checked when the source is made', () => {
  it('refuses a heartbeat_interval not shorter than session_timeout, naming both and what to set', () => {
    expect(() => source({ session_timeout: '1ms' })).toThrow(
      expect.objectContaining({
        code: 'FERRIS_CONFIG_INVALID',
        message: expect.stringMatching(/heartbeat_interval \(3000 ms\) must be shorter than session_timeout \(1 ms\)/),
      }),
    )
    expect(() => source({ session_timeout: '6s', heartbeat_interval: '6s' })).toThrow(/must be shorter/)
    expect(() => source({ session_timeout: '6s', heartbeat_interval: '2s' })).not.toThrow()
  })
})
