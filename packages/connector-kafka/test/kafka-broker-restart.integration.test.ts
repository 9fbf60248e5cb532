import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { batchOf, batchToObjects, Schema, T } from '@ferris/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BOOTSTRAP, createTopic, kafka, readRows, requireBroker, sink, source, uniqueGroup } from './helpers/broker.js'

const run = promisify(execFile)
const services = resolve(import.meta.dirname, '../../../tools/services/kafka')

beforeAll(requireBroker)
// Whatever happens in the test, leave the broker running for the next file.
afterAll(async () => {
  await run(`${services}/start`)
}, 120_000)

const schema = Schema.of(['n', T.int64])

describe('[kafka] a broker that goes away and comes back', () => {
  it('waits for the broker, then the reader and the writer carry on without loss', async () => {
    const topic = await createTopic('restart')
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({
      topic,
      messages: Array.from({ length: 20 }, (_, i) => ({ value: JSON.stringify({ n: i }) })),
    })
    await producer.disconnect()

    const { source: src } = source('in', `kafka://${BOOTSTRAP}/${topic}?group_id=${uniqueGroup('rs')}`)
    const reader = await src.createReader({ schema, batchSize: 100 })
    const before = await readRows(reader, 20)
    expect(before.rows).toBe(20)
    const { sink: out } = sink('out', `kafka://${BOOTSTRAP}/${topic}`)
    await out.open()
    const writer = await out.createWriter({ schema, jobId: 'restart' })

    await run(`${services}/stop`)
    // While the broker is down, reads come back idle (the job can still checkpoint) and never throw.
    for (let i = 0; i < 5; i++) expect((await reader.read()).kind).toBe('idle')
    // A write started now waits for the broker instead of failing.
    const writing = writer.write(
      batchOf(
        schema,
        Array.from({ length: 20 }, (_, i) => [BigInt(20 + i)]),
      ),
    )
    const starting = run(`${services}/start`)
    await starting
    await writing

    const after = await readRows(reader, 20, 90_000)
    const all = [...before.batches, ...after.batches].flatMap(batchToObjects).map((o) => Number(o.n))
    expect(all).toEqual(Array.from({ length: 40 }, (_, i) => i))
    await writer.close()
    await reader.close()
    await Promise.all([src.close(), out.close()])
  }, 180_000)
})
