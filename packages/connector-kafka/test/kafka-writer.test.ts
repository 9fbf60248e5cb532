import {
  batchOf,
  ChangeKind,
  type ConnectorContext,
  type FerrisError,
  noopMetrics,
  type Row,
  Schema,
  silentLogger,
  T,
  validateOptions,
} from '@ferris/core'
import { messageEncoder } from '@ferris/formats'
import type { Message } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { KafkaSink } from '../src/kafka-sink.js'
import { KafkaWriter } from '../src/kafka-writer.js'
import { columnLayout } from '../src/metadata-columns.js'
import { type KafkaOptions, kafkaOptions } from '../src/options.js'
import { fakeClient } from './helpers/fake-client.js'

const schema = Schema.of(['id', T.int64], ['symbol', T.string], ['price', T.float64])
const { INSERT, UPDATE_BEFORE, UPDATE_AFTER, DELETE } = ChangeKind

function writer(keyIndex: number | undefined) {
  const sent: Message[] = []
  const bad: FerrisError[] = []
  const context: ConnectorContext = {
    name: 'changes',
    logger: silentLogger,
    metrics: noopMetrics,
    signal: new AbortController().signal,
    cwd: process.cwd(),
    reportBadRecord: (record) => {
      bad.push(record.error)
    },
  }
  const layout = columnLayout(schema, 'changes')
  const w = new KafkaWriter(
    {
      producer: {
        send: async ({ messages }: { messages: Message[] }) => {
          sent.push(...messages)
          return []
        },
      } as never,
      admin: {} as never,
      topic: 't',
      schema,
      layout,
      encoder: messageEncoder({ format: 'json', schema: layout.valueSchema, subject: 'changes' }),
      keyIndex,
      keyFormat: 'string',
      staticHeaders: {},
      compression: 0 as never,
      acks: -1,
      transactional: false,
      offsetsGroupId: undefined,
      offsetsSource: undefined,
      reconnectTimeout: 1000,
      maxBufferedBytes: 1 << 20,
    },
    context,
  )
  const text = () => sent.map((m) => ({ key: m.key?.toString() ?? null, value: m.value?.toString() ?? null }))

  return { w, sent, bad, text }
}

const rows: Row[] = [
  [1n, 'AAPL', 10],
  [2n, 'IBM', 20],
  [2n, 'IBM', 20],
  [2n, 'IBM', 25],
  [1n, 'AAPL', 10],
]
const kinds = Uint8Array.of(INSERT, INSERT, UPDATE_BEFORE, UPDATE_AFTER, DELETE)

describe('[kafka] sink change kinds', () => {
  it('writes a keyed changelog: UPDATE_BEFORE is left out and DELETE becomes a tombstone under its key', async () => {
    // The key column (key_column=id) gives every message its key; deletes travel as the key with a null value.
    const { w, bad, text } = writer(0)
    await w.write(batchOf(schema, rows, { kinds }))
    expect(bad).toEqual([])
    expect(text()).toEqual([
      { key: '1', value: '{"id":1,"symbol":"AAPL","price":10}' },
      { key: '2', value: '{"id":2,"symbol":"IBM","price":20}' },
      { key: '2', value: '{"id":2,"symbol":"IBM","price":25}' },
      { key: '1', value: null },
    ])
  })

  it("takes the key from the batch's keyFields when the sink names no key column, as one JSON object for several", async () => {
    const one = writer(undefined)
    await one.w.write(batchOf(schema, rows, { kinds, keyFields: [1] }))
    expect(one.text().map((m) => m.key)).toEqual(['AAPL', 'IBM', 'IBM', 'AAPL'])
    expect(one.text().at(-1)!.value).toBeNull()

    const two = writer(undefined)
    await two.w.write(batchOf(schema, rows.slice(4), { kinds: Uint8Array.of(DELETE), keyFields: [0, 1] }))
    expect(two.text()).toEqual([{ key: '{"id":1,"symbol":"AAPL"}', value: null }])
  })

  it('sends DELETE and UPDATE_BEFORE rows without any key to the bad-record policy, saying how to give one', async () => {
    const { w, bad, text } = writer(undefined)
    await w.write(batchOf(schema, rows, { kinds }))
    expect(text().map((m) => m.value)).toEqual([
      '{"id":1,"symbol":"AAPL","price":10}',
      '{"id":2,"symbol":"IBM","price":20}',
      '{"id":2,"symbol":"IBM","price":25}',
    ])
    expect(bad.map((e) => e.code)).toEqual(['FERRIS_UNSUPPORTED', 'FERRIS_UNSUPPORTED'])
    expect(bad[1]!.message).toContain('a DELETE row needs a message key')
    expect(bad[1]!.context.hint).toContain("'changes.key_column'")
  })

  it('rejects a DELETE whose key is null: a tombstone without a key deletes nothing', async () => {
    const { w, bad, text } = writer(0)
    await w.write(batchOf(schema, [[null, 'X', 1]], { kinds: Uint8Array.of(DELETE) }))
    expect(text()).toEqual([])
    expect(bad.map((e) => e.code)).toEqual(['FERRIS_RECORD_MALFORMED'])
  })

  it('reports upsert once a key is known: the key option, a _key column, or keyFields seen by a writer', async () => {
    const make = (raw: Record<string, string>) =>
      new KafkaSink(
        validateOptions(
          kafkaOptions,
          { bootstrap_servers: '127.0.0.1:1', topic: 't', ...raw },
          {
            subject: 's',
          },
        ) as KafkaOptions,
        {
          name: 's',
          logger: silentLogger,
          metrics: noopMetrics,
          signal: new AbortController().signal,
          cwd: process.cwd(),
          reportBadRecord: () => {},
        },
        fakeClient().createClient,
      )
    expect(make({ key_column: 'id' }).capabilities.upsert).toBe(true)
    const plain = make({})
    expect(plain.capabilities.upsert).toBe(false)
    await plain.validateSchema(Schema.of(['_key', T.string], ['v', T.int64]))
    expect(plain.capabilities.upsert).toBe(true)
  })
})
