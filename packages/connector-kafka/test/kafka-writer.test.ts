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

function writer(
  keyIndex: number | undefined,
  send?: (messages: Message[]) => Promise<unknown>,
  maxBufferedBytes = 1 << 20,
) {
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
          if (send !== undefined) return send(messages)
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
      maxBufferedBytes,
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

describe('[kafka] sink: source offsets in transactions', () => {
  function transactional(offsetsSource: string | undefined) {
    const calls: string[] = []
    const txn = {
      isActive: () => true,
      send: async () => calls.push('send'),
      sendOffsets: async ({ consumerGroupId, topics }: { consumerGroupId: string; topics: unknown }) =>
        calls.push(`offsets ${consumerGroupId} ${JSON.stringify(topics)}`),
      commit: async () => calls.push('commit'),
      abort: async () => calls.push('abort'),
    }
    const layout = columnLayout(schema, 'out')
    const w = new KafkaWriter(
      {
        producer: { transaction: async () => txn } as never,
        admin: {} as never,
        topic: 't',
        schema,
        layout,
        encoder: messageEncoder({ format: 'json', schema: layout.valueSchema, subject: 'out' }),
        keyIndex: undefined,
        keyFormat: 'string',
        staticHeaders: {},
        compression: 0 as never,
        acks: -1,
        transactional: true,
        offsetsGroupId: 'g',
        offsetsSource,
        reconnectTimeout: 1000,
        maxBufferedBytes: 1 << 20,
      },
      {
        name: 'out',
        logger: silentLogger,
        metrics: noopMetrics,
        signal: new AbortController().signal,
        cwd: '.',
        reportBadRecord: () => {},
      },
    )

    return { w, calls }
  }

  it("commits the source's position as group offsets inside the transaction", async () => {
    const { w, calls } = transactional('orders')
    await w.write(batchOf(schema, [[1n, 'A', 1]]))
    await w.commit({ checkpointId: 1, positions: { orders: { t: { '0': '9007199254740993' } } } })
    expect(calls).toEqual([
      'send',
      'offsets g [{"topic":"t","partitions":[{"partition":0,"offset":"9007199254740993"}]}]',
      'commit',
    ])
  })

  it('commits without offsets when the job has no position yet (stopped before its first read)', async () => {
    const { w, calls } = transactional('orders')
    await w.write(batchOf(schema, [[1n, 'A', 1]]))
    await w.commit({ checkpointId: 1, positions: {} })
    expect(calls).toEqual(['send', 'commit'])
  })

  it('fails, naming offsets_source, when the commit carries other sources only', async () => {
    for (const [source, message] of [
      [
        'orders',
        "the transactions commit the offsets of source orders, but the job's commit carries positions of a, b",
      ],
      [undefined, "offsets_group_id names no source, and the job's commit carries positions of a, b"],
    ] as const) {
      const { w } = transactional(source)
      await expect(w.commit({ checkpointId: 1, positions: { a: {}, b: {} } })).rejects.toMatchObject({
        code: 'FERRIS_CONFIG_INVALID',
        message: `out: ${message}`,
        context: { subject: 'out.offsets_source' },
      })
    }
  })
})

/** A send the test acknowledges (or fails) by hand. */
function pendingSends() {
  const sends: Array<{ messages: Message[]; ack: () => void; fail: (e: Error) => void }> = []
  const send = (messages: Message[]) =>
    new Promise<unknown>((resolve, reject) => {
      sends.push({ messages, ack: () => resolve([]), fail: reject })
    })
  return { sends, send }
}

const tick = () => new Promise((r) => setImmediate(r))

describe('[kafka] sink pipelining', () => {
  const insert = (from: number, n: number) =>
    batchOf(
      schema,
      Array.from({ length: n }, (_, i) => [BigInt(from + i), 'S', 1]),
    )

  it('returns from write before the acknowledgement; commit waits for every send, and the next send carries what queued', async () => {
    const { sends, send } = pendingSends()
    const { w } = writer(0, send)
    await w.write(insert(0, 2))
    await w.write(insert(2, 3))
    await w.write(insert(5, 1))
    // One send in flight (the first batch); the two later batches wait for it.
    expect(sends.map((s) => s.messages.length)).toEqual([2])
    let committed = false
    const commit = w.commit({ checkpointId: 1, positions: {} }).then(() => {
      committed = true
    })
    await tick()
    expect(committed).toBe(false)
    sends[0]!.ack()
    await tick()
    // Acknowledged: the next send takes everything queued meanwhile, in order.
    expect(sends.map((s) => s.messages.map((m) => m.key))).toEqual([
      ['0', '1'],
      ['2', '3', '4', '5'],
    ])
    expect(committed).toBe(false)
    sends[1]!.ack()
    await commit
    expect(committed).toBe(true)
  })

  it('makes write wait while more than max_buffered_bytes are queued behind a send in flight', async () => {
    const { sends, send } = pendingSends()
    const { w } = writer(0, send, 200)
    await w.write(insert(0, 1))
    let done = false
    const second = w.write(insert(1, 10)).then(() => {
      done = true
    })
    await tick()
    expect(done).toBe(false)
    sends[0]!.ack()
    await second
    expect(done).toBe(true)
    expect(sends[1]!.messages).toHaveLength(10)
  })

  it('queues about one send (1024 messages) behind the one in flight, and splits larger queues into sends of 1024', async () => {
    const { sends, send } = pendingSends()
    const { w } = writer(0, send, 1 << 30)
    await w.write(insert(0, 1))
    let done = false
    const big = w.write(insert(1, 1100)).then(() => {
      done = true
    })
    await tick()
    expect(done).toBe(false)
    sends[0]!.ack()
    await big
    // The send that followed took 1024 messages; 76 wait for the next.
    expect(sends.map((s) => s.messages.length)).toEqual([1, 1024])
    sends[1]!.ack()
    await tick()
    expect(sends.map((s) => s.messages.length)).toEqual([1, 1024, 76])
    sends[2]!.ack()
    await w.flush()
  })

  it('fails every later call, not retryable, once a send failed: its rows were handed over by earlier calls', async () => {
    const { sends, send } = pendingSends()
    const { w } = writer(0, send)
    await w.write(insert(0, 2))
    sends[0]!.fail(Object.assign(new Error('The producer is fenced'), { name: 'KafkaJSNonRetriableError' }))
    await tick()
    const failure = await w.write(insert(2, 1)).catch((e: FerrisError) => e)
    expect(failure).toMatchObject({ retryable: false })
    expect((failure as FerrisError).message).toContain('may not have reached Kafka')
    await expect(w.flush()).rejects.toMatchObject({ retryable: false })
    await expect(w.commit({ checkpointId: 1, positions: {} })).rejects.toMatchObject({ retryable: false })
  })
})
