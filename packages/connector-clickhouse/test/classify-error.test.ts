import { ClickHouseError } from '@clickhouse/client'
import { connectorOptions, Schema, T } from '@ferris/core'
import { createTestContext } from '@ferris/core/testing'
import { describe, expect, it } from 'vitest'
import { classify, classifyError } from '../src/classify-error.js'
import type { Settings } from '../src/client/connection.js'
import { clickhouseOptions } from '../src/options.js'
import { ClickhouseSink } from '../src/sink/clickhouse-sink.js'
import { ClickhouseSource } from '../src/source/clickhouse-source.js'
import { FakeConnection, oldServerError, refused } from './helpers/fake-connection.js'

const current = (code: string, type: string) => new ClickHouseError({ code, type, message: `${type} happened` })

describe('[clickhouse] classifyError', () => {
  it.each([
    [current('516', 'AUTHENTICATION_FAILED'), 'FERRIS_AUTHENTICATION_FAILED', false],
    [oldServerError(192, 'Unknown user nobody'), 'FERRIS_AUTHENTICATION_FAILED', false],
    [current('497', 'ACCESS_DENIED'), 'FERRIS_AUTHORIZATION_FAILED', false],
    [oldServerError(60, "Table ferris.nope doesn't exist."), 'FERRIS_NOT_FOUND', false],
    [current('57', 'TABLE_ALREADY_EXISTS'), 'FERRIS_ALREADY_EXISTS', false],
    [oldServerError(62, 'Syntax error: failed at position 1'), 'FERRIS_SQL_SYNTAX', false],
    [oldServerError(115, 'Unknown setting insert_deduplication_token'), 'FERRIS_UNSUPPORTED', false],
    [oldServerError(27, 'Cannot parse input: expected , before: x: (at row 2)'), 'FERRIS_RECORD_MALFORMED', false],
    [current('691', 'UNKNOWN_ELEMENT_OF_ENUM'), 'FERRIS_RECORD_MALFORMED', false],
    [current('252', 'TOO_MANY_PARTS'), 'FERRIS_THROTTLED', true],
    [current('159', 'TIMEOUT_EXCEEDED'), 'FERRIS_TIMEOUT', true],
    [current('241', 'MEMORY_LIMIT_EXCEEDED'), 'FERRIS_SERVER_ERROR', true],
    [current('43', 'ILLEGAL_TYPE_OF_ARGUMENT'), 'FERRIS_SERVER_ERROR', false],
    [refused(), 'FERRIS_CONNECTION_FAILED', true],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'FERRIS_CONNECTION_FAILED', true],
    [new Error('Timeout error.'), 'FERRIS_TIMEOUT', true],
  ] as const)('maps %s to %s', (error, code, retryable) => {
    const e = classifyError(error, 'doing something')
    expect(e.code).toBe(code)
    expect(e.retryable).toBe(retryable)
    expect(e.message).toMatch(/^ClickHouse failed doing something: /)
    expect(e.message).not.toMatch(/e\.what\(\)/)
  })

  it('tells a refused connection (nothing sent) from a reset one (maybe sent)', () => {
    expect(classify(refused()).notSent).toBe(true)
    expect(classify(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).notSent).toBe(false)
  })

  it('keeps passwords out of messages', () => {
    const e = classifyError(new Error('failed for clickhouse://u:hunter2@h:8123/db'), 'connecting')
    expect(e.message).not.toContain('hunter2')
  })
})

const options = (raw: Record<string, string>) =>
  connectorOptions(clickhouseOptions)
    .merge({ url: 'http://127.0.0.1:1', database: 'ferris', ...raw })
    .build('out')

describe('[clickhouse] a client that always fails', () => {
  it('fails open with the classified error and a hint to start the server', async () => {
    const fake = new FakeConnection()
    fake.failAll = refused()
    const sink = new ClickhouseSink(options({ table: 't' }), createTestContext().context, () => fake)
    await expect(sink.open()).rejects.toMatchObject({
      code: 'FERRIS_CONNECTION_FAILED',
      retryable: true,
      context: expect.objectContaining({ hint: expect.stringContaining('tools/services/clickhouse/start') }),
    })
    const source = new ClickhouseSource(options({ table: 't' }), createTestContext().context, () => fake)
    fake.failAll = oldServerError(516, 'Authentication failed')
    await expect(source.open()).rejects.toMatchObject({ code: 'FERRIS_AUTHENTICATION_FAILED', retryable: false })
  })

  it('retries a refused insert up to `retries` times, then gives up with a retryable error', async () => {
    const fake = new FakeConnection('18.16.1', {
      engine: 'MergeTree',
      engineFull: 'MergeTree ORDER BY tuple()',
      columns: [['id', 'Int64']],
    })
    const sink = new ClickhouseSink(
      options({ table: 't', retries: '3', retry_backoff: '1' }),
      createTestContext().context,
      () => fake,
    )
    await sink.open()
    const schema = Schema.of(['id', T.int64, false])
    const writer = await sink.createWriter({ schema, jobId: 'job' })
    await writer.write({ schema, rows: [[1n]] })
    fake.failInsert = () => refused()
    await expect(writer.commit({ checkpointId: 1, positions: {} })).rejects.toMatchObject({
      code: 'FERRIS_CONNECTION_FAILED',
      retryable: true,
    })
    expect(fake.insertAttempts).toBe(4)
    expect(fake.inserts).toHaveLength(0)
  })

  it('does not resend after an unclear failure when the table cannot deduplicate', async () => {
    const fake = new FakeConnection('18.16.1', {
      engine: 'MergeTree',
      engineFull: 'MergeTree ORDER BY tuple()',
      columns: [['id', 'Int64']],
    })
    const sink = new ClickhouseSink(
      options({ table: 't', retry_backoff: '1' }),
      createTestContext().context,
      () => fake,
    )
    await sink.open()
    expect(sink.capabilities.idempotent).toBe(false)
    const schema = Schema.of(['id', T.int64, false])
    const writer = await sink.createWriter({ schema, jobId: 'job' })
    await writer.write({ schema, rows: [[1n]] })
    fake.failInsert = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    await expect(writer.commit({ checkpointId: 1, positions: {} })).rejects.toMatchObject({ retryable: true })
    expect(fake.insertAttempts).toBe(1)
  })

  it('resends after an unclear failure when the token deduplicates, with the same token', async () => {
    const fake = new FakeConnection('24.3.1', {
      engine: 'MergeTree',
      engineFull: 'MergeTree ORDER BY tuple() SETTINGS non_replicated_deduplication_window = 1000',
      columns: [['id', 'Int64']],
    })
    const sink = new ClickhouseSink(
      options({ table: 't', retry_backoff: '1' }),
      createTestContext().context,
      () => fake,
    )
    await sink.open()
    expect(sink.capabilities.idempotent).toBe(true)
    const schema = Schema.of(['id', T.int64, false])
    const writer = await sink.createWriter({ schema, jobId: 'job' })
    await writer.write({ schema, rows: [[1n]] })
    const tokens: unknown[] = []
    fake.failInsert = (_body, attempt) => (attempt < 2 ? current('210', 'NETWORK_ERROR') : undefined)
    const insert = fake.insert.bind(fake)
    fake.insert = async (sql: string, body: string, settings: Settings, id: string) => {
      tokens.push(settings.insert_deduplication_token)
      await insert(sql, body, settings, id)
    }
    await writer.commit({ checkpointId: 1, positions: {} })
    expect(fake.insertAttempts).toBe(3)
    expect(new Set(tokens).size).toBe(1)
    expect(fake.inserts).toHaveLength(1)
  })
})
