import { batchOf, batchToObjects, ChangeKind, Schema, T } from '@ferris/core'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  BOOTSTRAP,
  createTopic,
  readRows,
  requireBroker,
  sink,
  source,
  topicMessages,
  uniqueGroup,
} from './helpers/broker.js'

beforeAll(requireBroker)

const schema = Schema.of(['id', T.int64, false], ['symbol', T.string], ['price', T.float64])
const { INSERT, UPDATE_BEFORE, UPDATE_AFTER, DELETE } = ChangeKind

describe('[kafka] keyed changelogs', () => {
  it('round-trips a changelog: deletes become tombstones on the topic and DELETE rows again with changelog=true', async () => {
    // The sink writes INSERT/UPDATE_AFTER as values under key_column, drops UPDATE_BEFORE and writes DELETE as a
    // tombstone; a changelog source turns the tombstone back into a DELETE row carrying the key.
    const topic = await createTopic('changelog', 1)
    const { sink: out } = sink('out', `kafka://${BOOTSTRAP}/${topic}?format=json&key_column=id`)
    await out.open()
    expect(out.capabilities.upsert).toBe(true)
    const writer = await out.createWriter({ schema, jobId: 'cl' })
    await writer.write(
      batchOf(
        schema,
        [
          [1n, 'AAPL', 10.5],
          [2n, 'IBM', 20.5],
          [2n, 'IBM', 20.5],
          [2n, 'IBM', 25.5],
          [1n, 'AAPL', 10.5],
        ],
        { kinds: Uint8Array.of(INSERT, INSERT, UPDATE_BEFORE, UPDATE_AFTER, DELETE) },
      ),
    )
    await writer.flush()
    await writer.close()
    await out.close()

    // What is on the topic, read with kafkajs itself.
    const raw = (await topicMessages(topic)).map((m) => ({
      key: m.key?.toString() ?? null,
      value: m.value?.toString() ?? null,
    }))
    expect(raw).toEqual([
      { key: '1', value: '{"id":1,"symbol":"AAPL","price":10.5}' },
      { key: '2', value: '{"id":2,"symbol":"IBM","price":20.5}' },
      { key: '2', value: '{"id":2,"symbol":"IBM","price":25.5}' },
      { key: '1', value: null },
    ])

    const readSchema = Schema.of(['id', T.int64], ['symbol', T.string], ['price', T.float64], ['_key', T.string])
    const { source: src, ctx } = source(
      'in',
      `kafka://${BOOTSTRAP}/${topic}?format=json&group_id=${uniqueGroup('cl')}&bounded=true&changelog=true&key_column=id`,
    )
    await src.open()
    const reader = await src.createReader({ schema: readSchema, batchSize: 100 })
    const { batches } = await readRows(reader, 4)
    await reader.close()
    await src.close()
    expect(ctx.bad).toEqual([])
    const rows = batches.flatMap((b) => batchToObjects(b))
    const kinds = batches.flatMap((b) => [...(b.kinds ?? [])])
    expect(rows.at(-1)).toEqual({ id: 1n, symbol: null, price: null, _key: '1' })
    expect(kinds).toEqual([UPDATE_AFTER, UPDATE_AFTER, UPDATE_AFTER, DELETE])
    expect(batches[0]!.keyFields).toEqual([0])
    expect(rows.length).toBe(4)
  })
})
