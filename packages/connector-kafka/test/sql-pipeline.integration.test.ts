import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { plugin as filePlugin } from '@ferris/connector-file/plugin'
import { ConnectorRegistry, Decimal } from '@ferris/core'
import { type JsonAny, parseJsonExact } from '@ferris/formats'
import { runApplication } from '@ferris/sql'
import { beforeAll, describe, expect, it } from 'vitest'
import { plugin as kafkaPlugin } from '../src/plugin.js'
import { BOOTSTRAP, createTopic, kafka, requireBroker, topicMessages, uniqueGroup } from './helpers/broker.js'

beforeAll(requireBroker)

const registry = () => new ConnectorRegistry().register(filePlugin).register(kafkaPlugin)

/** 400 daily readings of `station` (2024-01-01 on) into `topic`, into `partition` when given. */
async function produceDays(topic: string, station: string, partition?: number): Promise<void> {
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({
    topic,
    messages: Array.from({ length: 400 }, (_, d) => ({
      ...(partition === undefined ? {} : { partition }),
      value: JSON.stringify({ station, at: new Date(Date.UTC(2024, 0, 1) + d * 86_400_000).toISOString() }),
    })),
  })
  await producer.disconnect()
}

/**
 * Counts per station in 100-day tumbling windows over `kafka://<broker>/<target>` (topic and query), with
 * batches of 50: the late records and each station's total.
 */
async function windowTotals(target: string): Promise<{ late: number; a: number; b: number }> {
  const sql = `
    SELECT station, COUNT(*) AS n FROM readings
    GROUP BY station WINDOW TUMBLING(at, INTERVAL '100' DAY)
    WITH ('readings.uri' = 'kafka://${BOOTSTRAP}/${target}',
          'readings.schema' = 'station STRING, at TIMESTAMP', 'job.batch_size' = '50')`
  const result = await runApplication(sql, { registry: registry(), cwd: tmpdir() })
  const rows = result.jobs[0]!.rows as Array<[string, bigint]>
  const total = (s: string) => rows.filter((r) => r[0] === s).reduce((n, r) => n + Number(r[1]), 0)

  return { late: result.jobs[0]!.lateRecords ?? 0, a: total('a'), b: total('b') }
}

describe('[kafka] SQL applications', () => {
  it('moves a file through Kafka into a file with every value exact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferris-kafka-e2e-'))
    // Numbers of 16 significant digits or more: the JSON inference reads them as DECIMAL; one shorter fraction
    // in the sample would make the column DOUBLE (the inference's rule, not the connector's).
    const lines = [
      '{"id": 9223372036854775807, "amount": 12345678901234567.891, "at": "2024-01-01T00:00:00.123456Z", "name": "max"}',
      '{"id": -9223372036854775808, "amount": -1234567890123456.789, "at": "1969-12-31T23:59:59.999999Z", "name": "min"}',
      '{"id": 0, "amount": 1000000000000000.001, "at": "2024-02-29T12:00:00Z", "name": null}',
    ]
    writeFileSync(join(dir, 'in.jsonl'), `${lines.join('\n')}\n`)
    const topic = await createTopic('e2e-file')
    const toKafka = `
      CREATE STREAM mid AS SELECT * FROM src
      WITH ('src.uri' = 'file://${dir}/in.jsonl', 'mid.uri' = 'kafka://${BOOTSTRAP}/${topic}?format=json&key_column=id');`
    const r1 = await runApplication(toKafka, { registry: registry(), cwd: dir })
    expect(r1.jobs[0]!.sink.written).toBe(3)

    const toFile = `
      CREATE STREAM out AS SELECT id, amount, at, name, _key AS k, _topic AS t FROM mid
      WITH ('mid.uri' = 'kafka://${BOOTSTRAP}/${topic}?bounded=true&group_id=${uniqueGroup('e2e')}', 'out.uri' = 'file://${dir}/out.jsonl');`
    const r2 = await runApplication(toFile, { registry: registry(), cwd: dir })
    expect(r2.jobs[0]!.sink.written).toBe(3)
    const out = readFileSync(join(dir, 'out.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => parseJsonExact(l) as Record<string, JsonAny>)
      .map((o) => ({
        id: text(o.id),
        amount: Decimal.parse(text(o.amount)).toString(),
        at: o.at,
        name: o.name,
        k: o.k,
        t: o.t,
      }))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
    expect(out.map((o) => o.id)).toEqual(['-9223372036854775808', '0', '9223372036854775807'])
    expect(out.map((o) => o.k)).toEqual(['-9223372036854775808', '0', '9223372036854775807'])
    expect(out.map((o) => o.t)).toEqual([topic, topic, topic])
    expect(out.map((o) => o.amount)).toEqual(['-1234567890123456.789', '1000000000000000.001', '12345678901234567.891'])
    expect(out.map((o) => Date.parse(o.at as string))).toEqual([
      Date.parse('1969-12-31T23:59:59.999Z'),
      Date.parse('2024-02-29T12:00:00Z'),
      Date.parse('2024-01-01T00:00:00.123Z'),
    ])
    expect(out.map((o) => (o.at as string).slice(-8))).toEqual(['.999999Z', '.000000Z', '.123456Z'])
    expect(out.map((o) => o.name)).toEqual(['min', null, 'max'])
  })

  it('counts every record in event-time windows when one partition is read long before another', async () => {
    // Partition 0 holds station a, partition 1 station b, both over the same 400 days. With a queue of 100
    // messages the reader hands over all of one partition before the other: a watermark following the
    // largest time seen would call the second partition's records late.
    const topic = await createTopic('e2e-skew', 2)
    await produceDays(topic, 'a', 0)
    await produceDays(topic, 'b', 1)
    const totals = await windowTotals(`${topic}?bounded=true&max_queued_messages=100&group_id=${uniqueGroup('skew')}`)
    expect(totals).toEqual({ late: 0, a: 400, b: 400 })
  })

  it('keeps partition 0 of two topics apart in event-time windows read through topic_pattern', async () => {
    // Two one-partition topics, both partition 0, over the same 400 days: a watermark per partition number
    // would mix them and call the topic read second late.
    const a = await createTopic('e2e-pat', 1)
    const b = await createTopic('e2e-pat', 1)
    await produceDays(a, 'a')
    await produceDays(b, 'b')
    const pattern = encodeURIComponent(`^(${a}|${b})$`)
    const totals = await windowTotals(
      `?topic_pattern=${pattern}&bounded=true&max_queued_messages=100&group_id=${uniqueGroup('pat')}`,
    )
    expect(totals).toEqual({ late: 0, a: 400, b: 400 })
  })

  it('joins two streams by event time when each reads one partition long before another', async () => {
    // Both topics: partition 0 station a, partition 1 station b, over the same 400 days; every left row has one
    // right partner at the same time. Without each side's pending partitions holding its watermark, the
    // partition read second on either side is late.
    const left = await createTopic('e2e-ij-left', 2)
    const right = await createTopic('e2e-ij-right', 2)
    for (const topic of [left, right]) {
      await produceDays(topic, 'a', 0)
      await produceDays(topic, 'b', 1)
    }
    const uri = (topic: string) =>
      `kafka://${BOOTSTRAP}/${topic}?bounded=true&max_queued_messages=100&group_id=${uniqueGroup('ij')}`
    const sql = `
      SELECT l.station, l.at FROM l JOIN r ON l.station = r.station AND r.at BETWEEN l.at AND l.at + INTERVAL '1' HOUR
      WITH ('l.uri' = '${uri(left)}', 'r.uri' = '${uri(right)}', 'job.batch_size' = '50',
            'l.schema' = 'station STRING, at TIMESTAMP', 'r.schema' = 'station STRING, at TIMESTAMP')`
    const result = await runApplication(sql, { registry: registry(), cwd: tmpdir() })
    const rows = result.jobs[0]!.rows as Array<[string, bigint]>
    expect(result.jobs[0]!.lateRecords ?? 0).toBe(0)
    expect([rows.filter((r) => r[0] === 'a').length, rows.filter((r) => r[0] === 'b').length]).toEqual([400, 400])
  })

  it('filters one topic into another', async () => {
    const input = await createTopic('e2e-orders', 3)
    const output = await createTopic('e2e-big')
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({
      topic: input,
      messages: Array.from({ length: 300 }, (_, i) => ({
        key: `c${i % 7}`,
        value: JSON.stringify({ id: i, amount: i + 0.25 }),
      })),
    })
    await producer.disconnect()
    const sql = `
      CREATE STREAM big AS SELECT id, amount FROM orders WHERE amount > 250
      WITH ('orders.uri' = 'kafka://${BOOTSTRAP}/${input}?bounded=true&group_id=${uniqueGroup('f')}',
            'big.uri' = 'kafka://${BOOTSTRAP}/${output}');`
    const result = await runApplication(sql, { registry: registry(), cwd: tmpdir() })
    expect(result.jobs[0]!.sources.orders!.read).toBe(300)
    const values = (await topicMessages(output)).map(
      (m) => JSON.parse(String(m.value)) as { id: number; amount: number },
    )
    expect(values.map((v) => v.id).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 250 + i))
    expect(values.find((v) => v.id === 250)?.amount).toBe(250.25)
  })
})

function text(v: JsonAny | undefined): string {
  return typeof v === 'object' && v !== null && 'text' in v ? String((v as { text: string }).text) : String(v)
}
