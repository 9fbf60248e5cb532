import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { plugin as filePlugin } from '@ferris/connector-file/plugin'
import { ConnectorRegistry, Schema, T } from '@ferris/core'
import { runApplication } from '@ferris/sql'
import type { Message } from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { plugin as kafkaPlugin } from '../src/plugin.js'
import { BOOTSTRAP, createTopic, kafka, requireBroker, source, uniqueGroup } from './helpers/broker.js'

beforeAll(requireBroker)

const registry = () => new ConnectorRegistry().register(filePlugin).register(kafkaPlugin)
const KEYS = 4_000
const SEND = 16

/**
 * A changelog of KEYS prices over several partitions: three upserts per key; every 7th key is deleted by a
 * tombstone, and every 14th of them inserted again after its tombstone. Returns the table it leaves: the last
 * price per live key.
 */
async function writeChangelog(topic: string): Promise<Map<bigint, bigint>> {
  const table = new Map<bigint, bigint>()
  const messages: Message[] = []
  const upsert = (id: number, price: number) => {
    messages.push({ key: String(id), value: JSON.stringify({ id, symbol: `S${id}`, price }) })
    table.set(BigInt(id), BigInt(price))
  }
  for (let version = 1; version <= 3; version++) for (let id = 0; id < KEYS; id++) upsert(id, id * 10 + version)
  for (let id = 0; id < KEYS; id += 7) {
    messages.push({ key: String(id), value: null })
    table.delete(BigInt(id))
  }
  for (let id = 0; id < KEYS; id += 14) upsert(id, id * 10 + 9)
  const producer = kafka.producer()
  await producer.connect()
  // Kafka's default partitioner hashes the key, so the changes of one key keep their order in one partition.
  // Small sends make many small record batches, so loading the table takes hundreds of fetches (see below).
  for (let i = 0; i < messages.length; i += SEND)
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + SEND) })
  await producer.disconnect()

  return table
}

describe('[kafka] a changelog topic read as a table', () => {
  it('loads every key of the table as of the job start before the first stream row, run after run', async () => {
    const topic = await createTopic('caught-up-prices', 4)
    const table = await writeChangelog(topic)
    const dir = mkdtempSync(join(tmpdir(), 'ferris-kafka-caught-up-'))
    // One order per key, and a few for keys that never existed (the file source reads small ids as INT).
    const orders = Array.from({ length: KEYS + 5 }, (_, i) => JSON.stringify({ order: i, id: i })).join('\n')
    writeFileSync(join(dir, 'orders.jsonl'), `${orders}\n`)
    const expected = Array.from({ length: KEYS + 5 }, (_, i) => {
      const price = table.get(BigInt(i))
      return [i, price === undefined ? null : `S${i}`, price ?? null]
    })

    for (let run = 1; run <= 2; run++) {
      // A checkpoint folder and a group of its own per run: each run starts from the topic's beginning.
      // max_wait=1 and one record batch per partition per fetch: the reader is idle between most fetches while
      // the table is loading, so a job that took the first idle as the end of the load (what it does for a
      // reader without caughtUp) would start the stream with part of the table.
      const cwd = mkdtempSync(join(dir, `run-${run}-`))
      const sql = `
        CREATE TABLE prices (id BIGINT PRIMARY KEY, symbol STRING, price BIGINT)
        WITH ('prices.uri' = 'kafka://${BOOTSTRAP}/${topic}?format=json&changelog=true&key_column=id&max_wait=1&max_bytes_per_partition=1&group_id=${uniqueGroup('caught-up')}');
        SELECT o.id, p.symbol, p.price FROM orders o LEFT JOIN prices p ON o.id = p.id
        WITH ('orders.uri' = 'file://${dir}/orders.jsonl');`
      const result = await runApplication(sql, { registry: registry(), cwd })
      const rows = result.jobs[0]!.rows!
      expect(rows.length, `run ${run}`).toBe(KEYS + 5)
      const missing = rows.filter((r, i) => r[2] !== expected[i]![2])
      expect(missing.length, `run ${run}: rows that did not see the table as of the job start`).toBe(0)
      expect(rows, `run ${run}`).toEqual(expected)
    }
  }, 60_000)

  it('loads the whole topic on every run without a checkpoint position, whatever its group committed', async () => {
    const topic = await createTopic('fresh-prices', 3)
    const send = async (from: number, to: number, version: number) => {
      const producer = kafka.producer()
      await producer.connect()
      const messages = Array.from({ length: to - from }, (_, i) => ({
        key: String(from + i),
        value: JSON.stringify({ id: from + i, price: (from + i) * 10 + version }),
      }))
      await producer.send({ topic, acks: -1, messages })
      await producer.disconnect()
    }
    await send(0, 300, 1)
    const dir = mkdtempSync(join(tmpdir(), 'ferris-kafka-fresh-'))
    const ids = 400
    writeFileSync(
      join(dir, 'orders.jsonl'),
      `${Array.from({ length: ids }, (_, id) => JSON.stringify({ id })).join('\n')}\n`,
    )
    // The same group on both runs, as the default ferris-<source> group is: its committed offsets are not
    // where a table without a checkpoint position starts.
    const group = uniqueGroup('fresh-prices')
    const job = (cwd: string) =>
      runApplication(
        `CREATE TABLE prices (id BIGINT PRIMARY KEY, price BIGINT)
        WITH ('prices.uri' = 'kafka://${BOOTSTRAP}/${topic}?format=json&changelog=true&key_column=id&max_wait=50&group_id=${group}');
        SELECT o.id, p.price FROM orders o LEFT JOIN prices p ON o.id = p.id
        WITH ('orders.uri' = 'file://${dir}/orders.jsonl');`,
        { registry: registry(), cwd },
      )
    const prices = (rows: unknown[][]) => rows.filter((r) => r[1] !== null).length

    const first = await job(mkdtempSync(join(dir, 'run-1-')))
    expect(prices(first.jobs[0]!.rows!), 'run 1').toBe(300)
    // The first run committed the group's offsets at the end of the topic (else this test could not fail).
    const admin = kafka.admin()
    await admin.connect()
    const [committed, ends] = await Promise.all([
      admin.fetchOffsets({ groupId: group, topics: [topic] }),
      admin.fetchTopicOffsets(topic),
    ]).finally(() => admin.disconnect())
    const byPartition = (list: ReadonlyArray<{ partition: number; offset: string }>) =>
      Object.fromEntries(list.map((p) => [p.partition, p.offset]))
    expect(byPartition(committed[0]!.partitions), 'offsets the first run committed').toEqual(byPartition(ends))

    // New keys and new prices for some old ones; a fresh run (new checkpoint folder) must see all of it.
    await send(250, 400, 2)
    const second = await job(mkdtempSync(join(dir, 'run-2-')))
    const rows = second.jobs[0]!.rows!
    expect(prices(rows), 'run 2: keys with a price').toBe(ids)
    expect(rows).toEqual(Array.from({ length: ids }, (_, id) => [id, BigInt(id * 10 + (id < 250 ? 1 : 2))]))
  }, 60_000)

  it('is caught up under read_committed once committed and aborted transactions, markers included, are passed', async () => {
    // Three partitions: one with a committed transaction, one with an aborted one (its messages and its marker
    // are all it holds), one empty. The high watermarks count the markers, which no message carries.
    const topic = await createTopic('caught-up-tx', 3)
    const producer = kafka.producer({
      transactionalId: uniqueGroup('caught-up-tx'),
      maxInFlightRequests: 1,
      idempotent: true,
    })
    await producer.connect()
    const committed = await producer.transaction()
    await committed.send({
      topic,
      messages: [0, 1, 2].map((i) => ({ partition: 0, key: String(i), value: `{"id":${i}}` })),
    })
    await committed.commit()
    const aborted = await producer.transaction()
    await aborted.send({ topic, messages: [7, 8].map((i) => ({ partition: 1, key: String(i), value: `{"id":${i}}` })) })
    await aborted.abort()
    await producer.disconnect()

    const { source: src } = source(
      'tx',
      `kafka://${BOOTSTRAP}/${topic}?format=json&changelog=true&key_column=id&max_wait=50&group_id=${uniqueGroup('caught-up-tx')}`,
    )
    await src.open()
    const reader = await src.createReader({ schema: Schema.of(['id', T.int64]), batchSize: 100 })
    try {
      const ids: bigint[] = []
      let position: unknown
      const deadline = Date.now() + 20_000
      while (reader.caughtUp?.() !== true) {
        if (Date.now() > deadline)
          throw new Error(`not caught up after 20 s; read ${ids.join(',')}, at ${JSON.stringify(position)}`)
        const r = await reader.read()
        position = r.position
        if (r.kind === 'batch') for (const row of r.batch.rows) ids.push(row[0] as bigint)
      }
      expect(ids).toEqual([0n, 1n, 2n])
      expect(position).toEqual({ [topic]: { 0: '4', 1: '3', 2: '0' } })
    } finally {
      await reader.close()
      await src.close()
    }
  }, 30_000)
})
