import { noopMetrics, Schema, silentLogger, T, validateOptions } from '@ferris/core'
import {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { classifyError } from '../src/classify-error.js'
import type { CreateKafkaClient } from '../src/kafka-client.js'
import { KafkaSink } from '../src/kafka-sink.js'
import { KafkaSource } from '../src/kafka-source.js'
import { kafkaOptions } from '../src/options.js'

function protocolError(type: string, retriable: boolean): Error {
  return new KafkaJSProtocolError({ message: `broker says ${type}`, type, code: 1, retriable } as never)
}

describe('[kafka] classifyError', () => {
  it.each([
    [
      new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1'),
      'FERRIS_CONNECTION_FAILED',
      true,
    ],
    [
      new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('down'), { retryCount: 5, retryTime: 100 }),
      'FERRIS_CONNECTION_FAILED',
      true,
    ],
    [protocolError('TOPIC_AUTHORIZATION_FAILED', false), 'FERRIS_AUTHORIZATION_FAILED', false],
    [protocolError('SASL_AUTHENTICATION_FAILED', false), 'FERRIS_AUTHENTICATION_FAILED', false],
    [
      new (KafkaJSSASLAuthenticationError as unknown as new (m: string) => Error)('SASL PLAIN authentication failed'),
      'FERRIS_AUTHENTICATION_FAILED',
      false,
    ],
    [protocolError('UNKNOWN_TOPIC_OR_PARTITION', true), 'FERRIS_NOT_FOUND', false],
    [protocolError('PRODUCER_FENCED', false), 'FERRIS_CONFLICT', false],
    [protocolError('REBALANCE_IN_PROGRESS', false), 'FERRIS_CONFLICT', true],
    [protocolError('NOT_LEADER_FOR_PARTITION', true), 'FERRIS_SERVER_ERROR', true],
    [protocolError('MESSAGE_TOO_LARGE', false), 'FERRIS_CONFIG_INVALID', false],
    [new Error('something else'), 'FERRIS_INTERNAL', false],
  ])('maps %s', (error, code, retryable) => {
    const e = classifyError(error, 'testing')
    expect(e.code).toBe(code)
    expect(e.retryable).toBe(retryable)
    expect(e.cause).toBe(error)
    expect(e.message).toMatch(/^Kafka: testing failed: /)
  })

  it('redacts credentials a broker error quotes', () => {
    expect(classifyError(new Error('bad url kafka://u:hunter2@h:1'), 'x').message).not.toMatch(/hunter2/)
  })
})

/** A client whose every operation fails the way kafkajs fails when no broker answers. */
const failingClient: CreateKafkaClient = () => {
  const fail = async () => {
    throw new KafkaJSNumberOfRetriesExceeded(
      new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9'),
      { retryCount: 8, retryTime: 1 },
    )
  }
  const noop = async () => {}
  const admin = {
    connect: fail,
    disconnect: noop,
    listTopics: fail,
    fetchTopicOffsets: fail,
    fetchOffsets: fail,
    createTopics: fail,
  }
  const producer = { connect: fail, disconnect: noop, send: fail, transaction: fail }
  const consumer = { connect: fail, disconnect: noop, subscribe: fail, run: fail, on: () => () => {}, events: {} }

  return { admin: () => admin, producer: () => producer, consumer: () => consumer } as never
}

const ctx = (name: string) => ({
  name,
  logger: silentLogger,
  metrics: noopMetrics,
  signal: new AbortController().signal,
  cwd: '.',
  reportBadRecord: () => {},
})
const options = validateOptions(
  kafkaOptions,
  { bootstrap_servers: '127.0.0.1:9', topic: 'orders', reconnect_timeout: '1s' },
  { subject: 'orders' },
) as never

describe('[kafka] with a client that always fails', () => {
  it('fails opening a source with a retryable connection error that says how to fix it', async () => {
    const source = new KafkaSource(options, ctx('orders'), failingClient)
    await expect(source.open()).rejects.toMatchObject({ code: 'FERRIS_CONNECTION_FAILED', retryable: true })
    await expect(source.open()).rejects.toThrow(/connecting to 127\.0\.0\.1:9 failed: Connection error/)
  })

  it('fails opening a sink the same way', async () => {
    const sink = new KafkaSink(options, ctx('out'), failingClient)
    await expect(sink.open()).rejects.toMatchObject({ code: 'FERRIS_CONNECTION_FAILED', retryable: true })
  })

  it('refuses compression codecs kafkajs does not ship, acks other than all for an idempotent producer, and a source without a topic', () => {
    const zstd = validateOptions(
      kafkaOptions,
      { bootstrap_servers: 'h:1', topic: 't', compression: 'zstd' },
      { subject: 'out' },
    ) as never
    expect(() => new KafkaSink(zstd, ctx('out'), failingClient)).toThrow(/compression zstd needs a codec/)
    const sinkWith = (raw: Record<string, string>) =>
      new KafkaSink(
        validateOptions(kafkaOptions, { bootstrap_servers: 'h:1', topic: 't', ...raw }, { subject: 'out' }) as never,
        ctx('out'),
        failingClient,
      )
    // An idempotent producer (the default) rejects every send without acks from all replicas.
    expect(() => sinkWith({ acks: '1' })).toThrow(
      expect.objectContaining({
        code: 'FERRIS_CONFIG_INVALID',
        message: expect.stringMatching(/acks=1 needs idempotent=false/),
      }),
    )
    expect(() => sinkWith({ acks: '0' })).toThrow(/acks=0 needs idempotent=false/)
    expect(() => sinkWith({ acks: '1', idempotent: 'false' })).not.toThrow()
    expect(() => sinkWith({ acks: 'all' })).not.toThrow()
    const none = validateOptions(kafkaOptions, { bootstrap_servers: 'h:1' }, { subject: 'in' }) as never
    expect(() => new KafkaSource(none, ctx('in'), failingClient)).toThrow(/give either topic or topic_pattern/)
    expect(Schema.of(['a', T.string]).length).toBe(1)
  })
})
