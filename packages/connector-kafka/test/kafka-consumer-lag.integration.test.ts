import { Schema, T } from '@ferris/core'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  BOOTSTRAP,
  createTopic,
  kafka,
  readRows,
  requireBroker,
  source,
  testContext,
  uniqueGroup,
} from './helpers/broker.js'

beforeAll(requireBroker)

describe('[kafka] consumer lag', () => {
  it('reports, per read and per partition, how many records remain between the position and the end of the partition', async () => {
    const topic = await createTopic('lag')
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages: Array.from({ length: 100 }, (_, n) => ({ value: JSON.stringify({ n }) })) })
    await producer.disconnect()

    const gauges: Array<{ name: string; value: number; labels: Readonly<Record<string, string>> | undefined }> = []
    const ctx = {
      ...testContext('in'),
      metrics: {
        count: () => {},
        observe: () => {},
        gauge: (name: string, value: number, labels?: Readonly<Record<string, string>>) => {
          gauges.push({ name, value, labels })
        },
      },
    }
    const { source: src } = source('in', `kafka://${BOOTSTRAP}/${topic}?group_id=${uniqueGroup('lag')}`, {}, ctx)
    const reader = await src.createReader({ schema: Schema.of(['n', T.int64]), batchSize: 30 })
    const got = await readRows(reader, 30)
    const position = Number((got.position as Record<string, Record<string, string>>)[topic]!['0'])
    const lag = gauges.filter((g) => g.name === 'consumer_lag' && g.labels?.partition === `${topic}/0`)
    expect(lag.length).toBeGreaterThan(0)
    expect(lag.at(-1)!.value).toBe(100 - position)
    await reader.close()
    await src.close()
  })
})
