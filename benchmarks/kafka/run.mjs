// Kafka throughput: raw kafkajs against the same work through @ferris/connector-kafka and through Ferris SQL,
// on the same broker in the same run. Build first (see README.md); start the broker with tools/services/kafka/start.
import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import { plugin } from '@ferris/connector-kafka/plugin'
import { ConnectorRegistry, noopMetrics, Schema, silentLogger, T } from '@ferris/core'
import { runApplication } from '@ferris/sql'
import { Kafka, logLevel } from 'kafkajs'

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    partitions: { type: 'string', default: '3' },
    bootstrap: { type: 'string', default: process.env.FERRIS_KAFKA_BOOTSTRAP ?? '127.0.0.1:19092' },
    batch: { type: 'string', default: '1024' },
  },
})
const N = Number(args.messages)
const PARTITIONS = Number(args.partitions)
const BATCH = Number(args.batch)
const BOOTSTRAP = args.bootstrap
const THRESHOLD = 900
const kafka = new Kafka({ clientId: 'bench', brokers: [BOOTSTRAP], logLevel: logLevel.NOTHING })
const admin = kafka.admin()
await admin.connect().catch((e) => {
  console.error(`Kafka at ${BOOTSTRAP} does not answer (${e.message}): start it with tools/services/kafka/start`)
  process.exit(1)
})
const run = randomUUID().slice(0, 8)
const topics = []
async function topic(name) {
  const t = `bench-${name}-${run}`
  await admin.createTopics({
    topics: [{ topic: t, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  })
  topics.push(t)
  return t
}
const amountOf = (i) => ((i * 7919) % 1000) + 0.5
const expected = Array.from({ length: N }, (_, i) => i).filter((i) => amountOf(i) > THRESHOLD).length
const countries = ['PT', 'DE', 'FR', 'US', 'BR']
const messageValue = (i) => JSON.stringify({ id: i, amount: amountOf(i), country: countries[i % 5], qty: i % 10 })
const results = []
const time = async (name, fn) => {
  const t0 = performance.now()
  const extra = await fn()
  const s = (performance.now() - t0) / 1000
  results.push({ name, seconds: s, perSecond: N / s, ...extra })
  console.log(
    `${name.padEnd(38)} ${s.toFixed(2).padStart(7)} s  ${Math.round(N / s)
      .toLocaleString('en')
      .padStart(10)} msg/s`,
  )
}
const endOffsets = async (t) => (await admin.fetchTopicOffsets(t)).reduce((n, p) => n + Number(p.high), 0)

// Warm up connections, metadata and the JIT so that the first measured line does not pay for them alone.
{
  const warm = await topic('warm')
  const producer = kafka.producer()
  await producer.connect()
  for (let i = 0; i < 5; i++)
    await producer.send({
      topic: warm,
      messages: Array.from({ length: BATCH }, (_, j) => ({ value: messageValue(j) })),
    })
  await producer.disconnect()
}

// 1. Producers: raw kafkajs vs the connector's sink, same messages, same batch size, acks=all.
const input = await topic('in')
await time('produce: raw kafkajs', async () => {
  const producer = kafka.producer()
  await producer.connect()
  for (let i = 0; i < N; i += BATCH) {
    const messages = []
    for (let j = i; j < Math.min(N, i + BATCH); j++) messages.push({ key: String(j), value: messageValue(j) })
    await producer.send({ topic: input, messages, acks: -1 })
  }
  await producer.disconnect()
})
const registry = new ConnectorRegistry().register(plugin)
const ctx = (name) => ({
  name,
  logger: silentLogger,
  metrics: noopMetrics,
  signal: new AbortController().signal,
  cwd: process.cwd(),
  reportBadRecord: (r) => {
    throw r.error
  },
})
const schema = Schema.of(['id', T.int64], ['amount', T.float64], ['country', T.string], ['qty', T.int32])
const viaSink = await topic('sink')
await time('produce: ferris sink', async () => {
  const sink = registry.createSink(
    { name: 'out', role: 'sink', properties: { uri: `kafka://${BOOTSTRAP}/${viaSink}?key_column=id` } },
    ctx('out'),
  )
  await sink.open()
  const writer = await sink.createWriter({ schema, jobId: 'bench' })
  for (let i = 0; i < N; i += BATCH) {
    const rows = []
    for (let j = i; j < Math.min(N, i + BATCH); j++) rows.push([BigInt(j), amountOf(j), countries[j % 5], j % 10])
    await writer.write({ schema, rows })
  }
  await writer.commit({ checkpointId: 1, positions: {} })
  await writer.close()
  await sink.close()
})

// 2. Consume, filter amount > 900, produce: raw kafkajs vs the connector's reader and writer vs Ferris SQL.
const rawOut = await topic('raw-out')
await time('filter: raw kafkajs consume+produce', async () => {
  const consumer = kafka.consumer({ groupId: `bench-raw-${run}` })
  const producer = kafka.producer()
  await Promise.all([consumer.connect(), producer.connect()])
  await consumer.subscribe({ topic: input, fromBeginning: true })
  let seen = 0
  let written = 0
  await new Promise((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          const out = []
          for (const m of batch.messages) {
            const v = JSON.parse(m.value.toString())
            if (v.amount > THRESHOLD)
              out.push({ key: m.key, value: JSON.stringify({ id: v.id, amount: v.amount, country: v.country }) })
          }
          if (out.length > 0) await producer.send({ topic: rawOut, messages: out, acks: -1 })
          written += out.length
          seen += batch.messages.length
          if (seen >= N) resolve()
        },
      })
      .catch(reject)
  })
  await Promise.all([consumer.disconnect(), producer.disconnect()])
  return { written }
})
const connOut = await topic('conn-out')
await time('filter: ferris connector read+write', async () => {
  const source = registry.createSource(
    {
      name: 'in',
      role: 'source',
      properties: { uri: `kafka://${BOOTSTRAP}/${input}?bounded=true&group_id=bench-conn-${run}` },
    },
    ctx('in'),
  )
  const sink = registry.createSink(
    { name: 'out', role: 'sink', properties: { uri: `kafka://${BOOTSTRAP}/${connOut}` } },
    ctx('out'),
  )
  await Promise.all([source.open(), sink.open()])
  const outSchema = Schema.of(['id', T.int64], ['amount', T.float64], ['country', T.string])
  const reader = await source.createReader({ schema, batchSize: BATCH })
  const writer = await sink.createWriter({ schema: outSchema, jobId: 'bench' })
  let written = 0
  for (;;) {
    const r = await reader.read()
    if (r.kind === 'end') break
    if (r.kind !== 'batch') continue
    const rows = r.batch.rows.filter((row) => row[1] > THRESHOLD).map((row) => [row[0], row[1], row[2]])
    if (rows.length > 0) await writer.write({ schema: outSchema, rows })
    written += rows.length
    await reader.commit(r.position)
  }
  await writer.commit({ checkpointId: 1, positions: {} })
  await Promise.all([reader.close(), writer.close()])
  await Promise.all([source.close(), sink.close()])
  return { written }
})
const sqlOut = await topic('sql-out')
await time('filter: ferris SQL (runApplication)', async () => {
  const sql = `CREATE STREAM big AS SELECT id, amount, country FROM orders WHERE amount > ${THRESHOLD}
    WITH ('orders.uri' = 'kafka://${BOOTSTRAP}/${input}?bounded=true&group_id=bench-sql-${run}',
          'big.uri' = 'kafka://${BOOTSTRAP}/${sqlOut}', 'job.batch_size' = '${BATCH}', 'job.checkpoint.interval' = '10s')`
  const result = await runApplication(sql, { registry, cwd: process.cwd() })
  return { written: result.jobs[0].sink.written }
})

const counts = { raw: await endOffsets(rawOut), connector: await endOffsets(connOut), sql: await endOffsets(sqlOut) }
await admin.deleteTopics({ topics })
await admin.disconnect()

const by = Object.fromEntries(results.map((r) => [r.name, r]))
const ratio = (a, b) => (by[a].perSecond / by[b].perSecond).toFixed(2)
console.log(`\nmessages ${N}, partitions ${PARTITIONS}, batch ${BATCH}; expected to pass the filter: ${expected}`)
console.log(`output topic counts: raw ${counts.raw}, connector ${counts.connector}, sql ${counts.sql}`)
console.log(`ratio ferris sink / raw producer:        ${ratio('produce: ferris sink', 'produce: raw kafkajs')}`)
console.log(
  `ratio ferris connector / raw filter:     ${ratio('filter: ferris connector read+write', 'filter: raw kafkajs consume+produce')}`,
)
console.log(
  `ratio ferris SQL / raw filter:           ${ratio('filter: ferris SQL (runApplication)', 'filter: raw kafkajs consume+produce')}`,
)
if (counts.raw !== expected || counts.connector !== expected || counts.sql !== expected) {
  console.error('output counts differ from the expected count')
  process.exit(1)
}
