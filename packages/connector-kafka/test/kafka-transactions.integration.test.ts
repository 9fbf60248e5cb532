import { batchOf, batchToObjects, Schema, T } from '@ferris/core'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { BOOTSTRAP, createTopic, kafka, readRows, requireBroker, sink, source, uniqueGroup } from './helpers/broker.js'

beforeAll(requireBroker)

const schema = Schema.of(['n', T.int64])

async function readCommitted(topic: string, isolation = 'read_committed'): Promise<number[]> {
  const { source: src } = source(
    'check',
    `kafka://${BOOTSTRAP}/${topic}?group_id=${uniqueGroup('chk')}&bounded=true&isolation_level=${isolation}`,
  )
  const reader = await src.createReader({ schema, batchSize: 1000 })
  const got = await readRows(reader, 100_000, 30_000)
  await reader.close()
  await src.close()

  return got.batches.flatMap(batchToObjects).map((o) => Number(o.n))
}

describe('[kafka] exactly-once with transactions', () => {
  it('makes written rows visible at commit and discards them at rollback', async () => {
    const topic = await createTopic('txn')
    const { sink: out } = sink(
      'out',
      `kafka://${BOOTSTRAP}/${topic}?exactly_once=true&transactional_id=${uniqueGroup('tx')}`,
    )
    await out.open()
    expect(out.capabilities.transactions).toBe(true)
    const writer = await out.createWriter({ schema, jobId: 'j1' })
    await writer.write(batchOf(schema, [[1n], [2n]]))
    await writer.commit({ checkpointId: 1, positions: {} })
    await writer.write(batchOf(schema, [[3n]]))
    await writer.rollback()
    await writer.write(batchOf(schema, [[4n]]))
    await writer.commit({ checkpointId: 2, positions: {} })
    // Committing the same checkpoint again (a retry after a crash) is harmless.
    await writer.commit({ checkpointId: 2, positions: {} })
    await writer.close()
    await out.close()
    expect(await readCommitted(topic)).toEqual([1, 2, 4])
    expect(await readCommitted(topic, 'read_uncommitted')).toEqual([1, 2, 3, 4])
  })

  it.each([
    ['learnt from the job (WriterOptions.sources)', false],
    ['named by offsets_group_id and offsets_source', true],
  ])(
    'commits the source offsets inside the transaction, %s, and gives them back as the positions to resume from',
    async (_, named) => {
      const input = await createTopic('eos-in')
      const output = await createTopic('eos-out')
      const producer = kafka.producer()
      await producer.connect()
      await producer.send({
        topic: input,
        messages: Array.from({ length: 10 }, (_, i) => ({ value: JSON.stringify({ n: i }) })),
      })
      await producer.disconnect()
      const group = uniqueGroup('eos')
      const { source: src } = source('orders', `kafka://${BOOTSTRAP}/${input}?group_id=${group}`)
      const reader = await src.createReader({ schema, batchSize: 4 })
      const { sink: out } = sink(
        'big',
        `kafka://${BOOTSTRAP}/${output}?exactly_once=true${named ? `&offsets_group_id=${group}&offsets_source=orders` : ''}`,
      )
      await out.open()
      expect(out.capabilities.storesPositions).toBe(named)
      expect(src.endpoint).toEqual({ servers: [BOOTSTRAP], objects: [input], consumerGroup: group })
      const writer = await out.createWriter({
        schema,
        jobId: uniqueGroup('job'),
        ...(named
          ? {}
          : { sources: [{ name: 'orders', connector: 'kafka', endpoint: src.endpoint!, positioned: true }] }),
      })
      expect(out.capabilities.storesPositions).toBe(true)
      const admin = kafka.admin()
      await admin.connect()
      const groupOffset = async () =>
        (await admin.fetchOffsets({ groupId: group, topics: [input] }))[0]!.partitions[0]!.offset
      // EndTxn returns before the broker has written the commit markers: offsets committed in a transaction show
      // in the group a moment later (kafkajs's OffsetFetch cannot ask the broker to wait for stable offsets).
      const offsetBecomes = (offset: string) =>
        vi.waitFor(async () => expect(await groupOffset()).toBe(offset), { timeout: 5000, interval: 50 })

      // Checkpoint 1 commits; checkpoint 2 is rolled back: its offsets must not move.
      const first = await readRows(reader, 4)
      await writer.write(first.batches[0]!)
      await writer.commit({ checkpointId: 1, positions: { orders: first.position as never } })
      await offsetBecomes('4')
      const second = await readRows(reader, 4)
      await writer.write(second.batches[0]!)
      await writer.rollback()
      expect(await groupOffset()).toBe('4')
      expect(await writer.committedPositions!()).toEqual({ orders: { [input]: { '0': '4' } } })

      // A restart resumes from the offsets stored with the output and finishes the job.
      await reader.close()
      const resumed = await src.createReader({
        schema,
        batchSize: 100,
        from: (await writer.committedPositions!())!.orders!,
      })
      const rest = await readRows(resumed, 6)
      await writer.write(rest.batches[0]!)
      await writer.commit({ checkpointId: 3, positions: { orders: rest.position as never } })
      await offsetBecomes('10')
      expect(await readCommitted(output)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      await admin.disconnect()
      await resumed.close()
      await writer.close()
      await Promise.all([src.close(), out.close()])
    },
  )

  it('fences an older writer with the same transactional id (a zombie after a restart)', async () => {
    const topic = await createTopic('fence')
    const id = uniqueGroup('fence')
    const first = sink('out', `kafka://${BOOTSTRAP}/${topic}?transactional_id=${id}`).sink
    const zombie = await first.createWriter({ schema, jobId: 'j' })
    await zombie.write(batchOf(schema, [[1n]]))
    const second = sink('out', `kafka://${BOOTSTRAP}/${topic}?transactional_id=${id}`).sink
    const fresh = await second.createWriter({ schema, jobId: 'j' })
    await fresh.write(batchOf(schema, [[2n]]))
    await fresh.commit({ checkpointId: 1, positions: {} })
    await expect(zombie.commit({ checkpointId: 1, positions: {} })).rejects.toMatchObject({ retryable: false })
    await Promise.allSettled([zombie.close(), fresh.close()])
    await Promise.all([first.close(), second.close()])
    expect(await readCommitted(topic)).toEqual([2])
  })
})
