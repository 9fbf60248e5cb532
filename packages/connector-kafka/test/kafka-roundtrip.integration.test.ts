import { batchOf, batchToObjects, Decimal, Schema, T } from '@ferris/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { BOOTSTRAP, createTopic, kafka, readRows, requireBroker, sink, source, uniqueGroup } from './helpers/broker.js'

beforeAll(requireBroker)

const schema = Schema.of(
  ['id', T.int64, false],
  ['amount', T.decimal(38, 10)],
  ['at', T.timestamp('ns', 'UTC')],
  ['note', T.string],
  ['_key', T.string],
  [
    '_headers',
    T.list(
      T.struct([
        { name: 'key', type: T.string, nullable: false },
        { name: 'value', type: T.bytes, nullable: true },
      ]),
    ),
  ],
)
const bytes = (s: string) => new Uint8Array(Buffer.from(s))

describe('[kafka] round trip through the contracts', () => {
  it('produces and consumes exact 64-bit ints, decimals, timestamps, keys and repeated/null headers', async () => {
    const topic = await createTopic('roundtrip', 3)
    const { sink: out } = sink('out', `kafka://${BOOTSTRAP}/${topic}?format=json`)
    await out.open()
    await out.validateSchema(schema)
    const writer = await out.createWriter({ schema, jobId: 'rt' })
    const headers = [
      { key: 'h', value: bytes('1') },
      { key: 'h', value: bytes('2') },
      { key: 'empty', value: bytes('') },
    ]
    const rows = [
      [
        2n ** 63n - 1n,
        Decimal.parse('12345678901234567890123456.0123456789'),
        1_704_067_200_123_456_789n,
        'max',
        'k1',
        headers,
      ],
      [-(2n ** 63n), Decimal.parse('-0.0000000001'), -1n, null, 'k2', []],
      [0n, null, null, 'ü', null, null],
    ]
    await writer.write(batchOf(schema, rows))
    await writer.commit({ checkpointId: 1, positions: {} })
    await writer.close()
    await out.close()

    const { source: src, ctx } = source(
      'in',
      `kafka://${BOOTSTRAP}/${topic}?format=json&group_id=${uniqueGroup('rt')}&bounded=true`,
    )
    await src.open()
    const readSchema = Schema.of(
      ...schema.fields.map((f) => [f.name, f.type, f.nullable] as [string, typeof f.type, boolean]),
      ['_partition', T.int32],
      ['_offset', T.int64],
      ['_timestamp', T.timestamp('ms', 'UTC')],
    )
    const reader = await src.createReader({ schema: readSchema, batchSize: 100 })
    const got = await readRows(reader, 3)
    const objects = got.batches.flatMap(batchToObjects).sort((a, b) => ((a.id as bigint) < (b.id as bigint) ? -1 : 1))
    expect(objects.map((o) => o.id)).toEqual([-(2n ** 63n), 0n, 2n ** 63n - 1n])
    const max = objects[2]!
    expect((max.amount as Decimal).toString()).toBe('12345678901234567890123456.0123456789')
    expect(max.at).toBe(1_704_067_200_123_456_789n)
    expect(max._key).toBe('k1')
    expect(max._headers).toEqual(headers)
    expect(typeof max._partition).toBe('number')
    expect(typeof max._offset).toBe('bigint')
    expect((objects[0]!.amount as Decimal).toString()).toBe('-0.0000000001')
    expect(objects[1]!._key).toBeNull()
    expect(objects[1]!.note).toBe('ü')
    const meta = got.batches.flatMap((b) => b.meta ?? [])
    expect(meta.find((m) => m?.key === 'k1')?.headers).toEqual(headers)
    // Bounded: the reader ends once it reached the end offsets taken at open.
    const end = await readRows(reader, 1, 10_000)
    expect(end.ended).toBe(true)
    expect(reader.hasMore()).toBe(false)
    expect(ctx.bad).toEqual([])
    await reader.close()
    await src.close()
  })

  it('reports malformed messages with topic, partition, offset and raw bytes, and goes on', async () => {
    const topic = await createTopic('malformed')
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({
      topic,
      messages: [{ value: '{"id": 1}' }, { value: 'not json' }, { value: '{"id": "x"}' }, { value: '{"id": 4}' }],
    })
    await producer.disconnect()
    const { source: src, ctx } = source(
      'in',
      `kafka://${BOOTSTRAP}/${topic}?group_id=${uniqueGroup('bad')}&bounded=true`,
    )
    await src.open()
    const reader = await src.createReader({ schema: Schema.of(['id', T.int64]), batchSize: 100 })
    const got = await readRows(reader, 2)
    expect(got.batches.flatMap(batchToObjects)).toEqual([{ id: 1n }, { id: 4n }])
    expect(ctx.bad.map((b) => b.position)).toEqual([
      { topic, partition: 0, offset: '1' },
      { topic, partition: 0, offset: '2' },
    ])
    expect(Buffer.from(ctx.bad[0]!.raw as Uint8Array).toString()).toBe('not json')
    expect(ctx.bad[0]!.error.code).toBe('FERRIS_RECORD_MALFORMED')
    expect(ctx.bad[1]!.error.code).toBe('FERRIS_TYPE_CONVERSION')
    expect(ctx.bad[0]!.error.message).toMatch(new RegExp(`topic ${topic}, partition 0, offset 1`))
    // The position moved past the bad messages: they are never read twice.
    expect(got.position).toEqual({ [topic]: { '0': '4' } })
    await reader.close()
    await src.close()
  })
})
