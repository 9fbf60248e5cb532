import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConnectorRegistry } from '@ferris/core'
import { memoryPlugin } from '@ferris/core/testing'
import { runApplication } from '@ferris/sql'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { plugin } from '../src/plugin.js'
import { BOOTSTRAP, createTopic, kafka, requireBroker, uniqueGroup } from './helpers/broker.js'

beforeAll(requireBroker)

describe('[kafka] GROUP BY over a changelog topic', () => {
  it('ends with what the GROUP BY of the latest value per key gives, through upserts and tombstones', async () => {
    // A compacted-topic changelog: each message replaces its key's row, a null value deletes it. The engine
    // keeps the last row per key so an update takes the old row out of its group and a tombstone removes it.
    const topic = await createTopic('changelog-group-by', 1)
    let seed = 7
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    const latest = new Map<number, { grp: string; v: number }>()
    const messages: Array<{ key: string; value: string | null }> = []
    for (let i = 0; i < 400; i++) {
      const id = Math.floor(next() * 40)
      if (next() < 0.2) {
        latest.delete(id)
        messages.push({ key: String(id), value: null })
      } else {
        const row = { grp: ['a', 'b', 'c'][Math.floor(next() * 3)]!, v: Math.floor(next() * 100) - 50 }
        latest.set(id, row)
        messages.push({ key: String(id), value: JSON.stringify({ id, ...row }) })
      }
    }
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic, messages })
    await producer.disconnect()

    const memory = memoryPlugin()
    const registry = new ConnectorRegistry().register(plugin).register(memory)
    const cwd = await mkdtemp(join(tmpdir(), 'ferris-kafka-changelog-'))
    onTestFinished(() => rm(cwd, { recursive: true, force: true }))
    const result = await runApplication(
      `CREATE STREAM totals AS
       SELECT grp, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi FROM items GROUP BY grp
       WITH ('items.uri' = 'kafka://${BOOTSTRAP}/${topic}?format=json&bounded=true&changelog=true&key_column=id&group_id=${uniqueGroup('cl-agg')}',
             'items.schema' = 'id BIGINT, grp STRING, v BIGINT', 'job.batch_size' = '32',
             'totals.uri' = 'memory://totals?mode=upsert')`,
      { registry, cwd },
    )
    expect(result.jobs[0]!.sources.items!.bad).toBe(0)
    const want = ['a', 'b', 'c']
      .map((grp) => {
        const vs = [...latest.values()].filter((r) => r.grp === grp).map((r) => BigInt(r.v))
        if (vs.length === 0) return undefined
        const sorted = [...vs].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
        return [grp, BigInt(vs.length), vs.reduce((x, y) => x + y, 0n), sorted[0], sorted.at(-1)]
      })
      .filter((r) => r !== undefined)
    const got = [...memory.store.rows('totals')].sort((x, y) => String(x[0]).localeCompare(String(y[0])))
    expect(got).toEqual(want)
  })
})
