import { Schema, T } from '@ferris/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { BOOTSTRAP, createTopic, kafka, requireBroker, source } from './helpers/broker.js'

beforeAll(requireBroker)

describe('[kafka] schema discovery', () => {
  it('infers JSON columns from a sample of the topic, keeping 64-bit and decimal types', async () => {
    const topic = await createTopic('infer', 2)
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({
      topic,
      messages: [
        { value: '{"id": 9223372036854775807, "amount": 12.50, "name": "a"}', partition: 0 },
        { value: '{"id": 1, "amount": 3, "name": null, "extra": true}', partition: 1 },
      ],
    })
    await producer.disconnect()
    const { source: src } = source('in', `kafka://${BOOTSTRAP}/${topic}`)
    const schema = await src.discoverSchema()
    expect(schema?.names).toEqual(['id', 'amount', 'name', 'extra'])
    expect(schema?.field('id')?.type.kind).toBe('int64')
    expect(['decimal', 'float64']).toContain(schema?.field('amount')?.type.kind)
    expect(schema?.field('extra')?.type).toEqual(T.boolean)
    await src.close()
  })

  it('has no schema to offer for an empty JSON topic, and a fixed one for string values', async () => {
    const topic = await createTopic('infer-empty')
    const { source: json } = source('in', `kafka://${BOOTSTRAP}/${topic}`)
    expect(await json.discoverSchema()).toBeUndefined()
    await json.close()
    const { source: text } = source('in', `kafka://${BOOTSTRAP}/${topic}?format=string`)
    expect(await text.discoverSchema()).toEqual(Schema.of(['value', T.string]))
    await text.close()
  })
})
