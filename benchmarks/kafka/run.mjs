// Kafka throughput: raw kafkajs against the same work through Ferris, on the same broker, the same topic
// contents and the same producer settings, in one run, interleaved, several times. Build first (see README.md);
// start the broker with tools/services/kafka/start. What each side does is spelled out in benchmarks/README.md.

import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { plugin } from '@ferris/connector-kafka/plugin'
import { ConnectorRegistry, noopMetrics, Schema, silentLogger, T } from '@ferris/core'
import { runApplication } from '@ferris/sql'
import kafkajs from 'kafkajs'

const { Kafka, logLevel, Partitioners, CompressionTypes } = kafkajs
const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '300000' },
    partitions: { type: 'string', default: '3' },
    bootstrap: { type: 'string', default: process.env.FERRIS_KAFKA_BOOTSTRAP ?? '127.0.0.1:19092' },
    batch: { type: 'string', default: '1024' },
    runs: { type: 'string', default: '5' },
    'checkpoint-ms': { type: 'string', default: '10000' },
    // Which lines to time: `all`, or `raw` or `ferris` alone (for `node --cpu-prof`).
    only: { type: 'string', default: 'all' },
    // Extra query parameters for the Ferris source and sink URIs (e.g. `max_queued_messages=5000`), to try settings.
    'source-params': { type: 'string', default: '' },
    'sink-params': { type: 'string', default: '' },
    // Skip the producer comparison (only the consume-filter-produce one).
    'no-produce': { type: 'boolean', default: false },
  },
})
const N = Number(args.messages)
const PARTITIONS = Number(args.partitions)
const BATCH = Number(args.batch)
const RUNS = Number(args.runs)
const CHECKPOINT_MS = Number(args['checkpoint-ms'])
const BOOTSTRAP = args.bootstrap
const ONLY = args.only
const PRODUCE = !args['no-produce']
const THRESHOLD = 900
// The producer settings of the Ferris Kafka sink's defaults (acks=all, idempotent=true, compression=none),
// given to the raw producer too. kafkajs has no linger or batch size of its own: a send is one request per
// partition leader carrying the messages handed to it.
const PRODUCER = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
}
const ACKS = -1
const COMPRESSION = CompressionTypes.None
// The consumer settings of the Ferris Kafka source's defaults, given to the raw consumer too.
const CONSUMER = { maxBytesPerPartition: 1024 * 1024, maxWaitTimeInMs: 250, readUncommitted: false }

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
// Every number here fits a double exactly, so JSON.parse (the raw side) reads the same values as Ferris's
// exact JSON decoder (which checks each value for a 16-digit run and then also uses JSON.parse).
const messageValue = (i) => JSON.stringify({ id: i, amount: amountOf(i), country: countries[i % 5], qty: i % 10 })
const endOffsets = async (t) => (await admin.fetchTopicOffsets(t)).reduce((n, p) => n + Number(p.high), 0)
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
/** Wall seconds and CPU seconds (this process, all threads) of `fn`. */
const timed = async (fn) => {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  const h0 = process.hrtime.bigint()
  await fn()
  // For `node --cpu-prof`: the monotonic microseconds of the timed span, to cut the profile to it.
  if (process.env.BENCH_SPANS) console.log(`  span ${h0 / 1000n} ${process.hrtime.bigint() / 1000n}`)
  const c = process.cpuUsage(c0)
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 }
}

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

/** Raw kafkajs producer: N messages in sends of BATCH messages, each send awaited (acks=all). */
async function rawProduce(into) {
  const producer = kafka.producer(PRODUCER)
  await producer.connect()
  for (let i = 0; i < N; i += BATCH) {
    const messages = []
    for (let j = i; j < Math.min(N, i + BATCH); j++) messages.push({ key: String(j), value: messageValue(j) })
    await producer.send({ topic: into, messages, acks: ACKS, compression: COMPRESSION })
  }
  await producer.disconnect()
}

/** The Ferris sink: the same rows as typed values, batches of BATCH, committed (all acknowledged) at the end. */
async function ferrisProduce(into) {
  const schema = Schema.of(['id', T.int64], ['amount', T.float64], ['country', T.string], ['qty', T.int32])
  const sink = registry.createSink(
    { name: 'out', role: 'sink', properties: { uri: `kafka://${BOOTSTRAP}/${into}?key_column=id` } },
    ctx('out'),
  )
  await sink.open()
  const writer = await sink.createWriter({ schema, jobId: 'bench' })
  for (let i = 0; i < N; i += BATCH) {
    const rows = []
    for (let j = i; j < Math.min(N, i + BATCH); j++) rows.push([BigInt(j), amountOf(j), countries[j % 5], j % 10])
    await writer.write({ schema, rows })
  }
  await writer.flush()
  await writer.commit({ checkpointId: 1, positions: {} })
  await writer.close()
  await sink.close()
}

/**
 * Raw kafkajs consume-filter-produce with at-least-once: for every fetched batch, parse each value, keep
 * amount > THRESHOLD, write {id, amount, country} under the same key, await the acknowledgements, then (every
 * CHECKPOINT_MS, and at the end) commit the group offsets after the acknowledged batches.
 */
async function rawFilter(input, out, group) {
  const consumer = kafka.consumer({ groupId: group, ...CONSUMER })
  const producer = kafka.producer(PRODUCER)
  await Promise.all([consumer.connect(), producer.connect()])
  await consumer.subscribe({ topic: input, fromBeginning: true })
  let seen = 0
  let lastCommit = Date.now()
  const acked = new Map()
  const commit = () =>
    consumer.commitOffsets([...acked].map(([partition, offset]) => ({ topic: input, partition, offset })))
  await new Promise((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const messages = []
          for (const m of batch.messages) {
            const v = JSON.parse(m.value.toString('utf8'))
            if (v.amount > THRESHOLD)
              messages.push({ key: m.key, value: JSON.stringify({ id: v.id, amount: v.amount, country: v.country }) })
          }
          if (messages.length > 0) await producer.send({ topic: out, messages, acks: ACKS, compression: COMPRESSION })
          acked.set(batch.partition, (BigInt(batch.lastOffset()) + 1n).toString())
          seen += batch.messages.length
          if (seen >= N) {
            await commit()
            resolve()
          } else if (Date.now() - lastCommit >= CHECKPOINT_MS) {
            await commit()
            lastCommit = Date.now()
          }
        },
      })
      .catch(reject)
  })
  await Promise.all([consumer.disconnect(), producer.disconnect()])
}

/** Ferris SQL: the same filter and projection as a job from the Kafka source to the Kafka sink. */
async function ferrisFilter(input, out, group) {
  const cwd = await mkdtemp(join(tmpdir(), 'ferris-bench-kafka-'))
  try {
    const sql = `CREATE STREAM big AS SELECT _key, id, amount, country FROM orders WHERE amount > ${THRESHOLD}
      WITH ('orders.uri' = 'kafka://${BOOTSTRAP}/${input}?bounded=true&group_id=${group}${args['source-params'] ? `&${args['source-params']}` : ''}',
            'orders.schema' = 'id BIGINT, amount DOUBLE, country STRING, qty INT',
            'big.uri' = 'kafka://${BOOTSTRAP}/${out}${args['sink-params'] ? `?${args['sink-params']}` : ''}',
            'job.batch_size' = '${BATCH}', 'job.checkpoint.interval' = '${CHECKPOINT_MS}ms')`
    const result = await runApplication(sql, { registry, cwd })
    if (result.jobs[0].sink.written !== expected)
      throw new Error(`ferris wrote ${result.jobs[0].sink.written} rows, expected ${expected}`)
  } finally {
    await rm(cwd, { recursive: true, force: true })
  }
}

/** Every (key, value) of a topic, sorted, to check both sides wrote the same messages. */
async function contents(t) {
  const consumer = kafka.consumer({ groupId: `bench-check-${randomUUID()}` })
  await consumer.connect()
  await consumer.subscribe({ topic: t, fromBeginning: true })
  const total = await endOffsets(t)
  const seen = []
  await new Promise((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) seen.push(`${m.key?.toString()}\t${m.value?.toString()}`)
          if (seen.length >= total) resolve()
        },
      })
      .catch(reject)
  })
  await consumer.disconnect()
  return seen.sort()
}

// Warm up connections, metadata and the JIT so that the first measured line does not pay for them alone.
{
  const warm = await topic('warm')
  const producer = kafka.producer(PRODUCER)
  await producer.connect()
  for (let i = 0; i < 5; i++)
    await producer.send({
      topic: warm,
      messages: Array.from({ length: BATCH }, (_, j) => ({ value: messageValue(j) })),
    })
  await producer.disconnect()
}

const input = await topic('in')
await rawProduce(input)
if ((await endOffsets(input)) !== N) throw new Error('the input topic does not hold every message')

const lines = { 'produce raw': [], 'produce ferris': [], 'filter raw': [], 'filter ferris': [] }
const ratios = { produce: [], filter: [], 'produce cpu': [], 'filter cpu': [] }
const print = (name, t) =>
  console.log(
    `  ${name.padEnd(16)} ${t.wall.toFixed(2).padStart(7)} s ${Math.round(N / t.wall)
      .toLocaleString('en')
      .padStart(10)} msg/s  cpu ${t.cpu.toFixed(2).padStart(6)} s`,
  )
for (let r = 1; r <= RUNS; r++) {
  console.log(`run ${r}/${RUNS}`)
  // Alternate which side goes first, so neither always gets the warmer (or the quieter) slot.
  const order = ONLY !== 'all' ? [ONLY] : r % 2 === 1 ? ['raw', 'ferris'] : ['ferris', 'raw']
  const times = {}
  if (PRODUCE) {
    for (const side of order) {
      const into = await topic(`produce-${side}-${r}`)
      times[`produce ${side}`] = await timed(() => (side === 'raw' ? rawProduce(into) : ferrisProduce(into)))
      if ((await endOffsets(into)) !== N) throw new Error(`${side} produced a wrong number of messages`)
    }
  }
  const outs = {}
  for (const side of order) {
    outs[side] = await topic(`out-${side}-${r}`)
    const group = `bench-${side}-${run}-${r}`
    times[`filter ${side}`] = await timed(() =>
      side === 'raw' ? rawFilter(input, outs[side], group) : ferrisFilter(input, outs[side], group),
    )
    if ((await endOffsets(outs[side])) !== expected) throw new Error(`${side} wrote a wrong number of messages`)
    const committed = await admin.fetchOffsets({ groupId: group, topics: [input] })
    const sum = committed[0].partitions.reduce((n, p) => n + Number(p.offset), 0)
    if (sum !== N) throw new Error(`${side} committed offsets summing to ${sum}, expected ${N}`)
  }
  if (r === 1 && ONLY === 'all') {
    const [a, b] = await Promise.all([contents(outs.raw), contents(outs.ferris)])
    if (a.length !== b.length || a.some((x, i) => x !== b[i]))
      throw new Error('raw and ferris wrote different messages')
    console.log(`  (both output topics hold the same ${a.length} keys and values)`)
  }
  for (const [name, t] of Object.entries(times)) {
    lines[name].push(t)
    print(name, t)
  }
  if (ONLY === 'all') {
    for (const what of PRODUCE ? ['produce', 'filter'] : ['filter']) {
      ratios[what].push(times[`${what} raw`].wall / times[`${what} ferris`].wall)
      ratios[`${what} cpu`].push(times[`${what} raw`].cpu / times[`${what} ferris`].cpu)
    }
    console.log(
      `  ratio ferris/raw: ${Object.entries(ratios)
        .filter(([, xs]) => xs.length === r)
        .map(([k, xs]) => `${k} ${xs.at(-1).toFixed(2)}`)
        .join(', ')}`,
    )
  }
}
await admin.deleteTopics({ topics })
await admin.disconnect()

console.log(
  `\nmessages ${N}, partitions ${PARTITIONS}, batch ${BATCH}, checkpoints every ${CHECKPOINT_MS} ms, ${RUNS} runs`,
)
console.log('medians; a ratio is raw time / ferris time (throughput of ferris / raw; above 1: ferris is faster):')
for (const [name, xs] of Object.entries(lines))
  if (xs.length > 0) print(name, { wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) })
for (const [name, xs] of Object.entries(ratios))
  if (xs.length > 0)
    console.log(`  ratio ${name.padEnd(12)} ${median(xs).toFixed(2)}  (runs: ${xs.map((x) => x.toFixed(2)).join(' ')})`)
