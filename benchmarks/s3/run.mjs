#!/usr/bin/env node
// S3 Parquet sink benchmark, same work on both sides, in the same run: the same rows, as Ferris values (bigint,
// Decimal, epoch-nanosecond timestamps), are
//   1. written by @ferris/connector-s3's sink (format=parquet): values to Arrow columns, Parquet encoding by
//      @ferris/formats (parquet-wasm), objects uploaded and made visible at commit;
//   2. written by hand with the same libraries and settings: Arrow columns built directly from the rows
//      (apache-arrow), encoded by parquet-wasm's writeParquet with the same writer properties (zstd, the same
//      row-group size, dictionary on string columns only, delta encoding on integer and timestamp columns),
//      uploaded with the same @aws-sdk/client-s3 call the sink makes for objects under part_size (PutObject).
// Both produce the same number of objects of the same rows. The ratio sink / raw is the sink's own overhead.
// Needs the server: tools/services/s3/start.
//
//   npx nx run-many -t build --projects=core,formats,connector-s3
//   node --expose-gc benchmarks/s3/run.mjs [--rows 1000000] [--runs 5] [--max-records 250000] [--uri s3://ferris/?endpoint=...]

import { randomUUID } from 'node:crypto'
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import s3Plugin from '@ferris/connector-s3/plugin'
import { ConnectorRegistry, Decimal, getParam, parseConnectionString, Schema, T } from '@ferris/core'
import { createTestContext } from '@ferris/core/testing'
import * as arrow from 'apache-arrow'
import * as pw from 'parquet-wasm'

const args = {}
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i].startsWith('--')) args[process.argv[i].slice(2)] = process.argv[i + 1]
}
const ROWS = Number(args.rows ?? 1_000_000)
const RUNS = Number(args.runs ?? 5)
const MAX_RECORDS = Number(args['max-records'] ?? 250_000)
const BATCH = 1024
/** The sink's default row-group size (DEFAULT_ROW_GROUP_SIZE of @ferris/formats). */
const ROW_GROUP = 122_880
const URI =
  args.uri ??
  process.env.FERRIS_S3_URL ??
  's3://ferris/?endpoint=http://127.0.0.1:19000&region=us-east-1&path_style=true&access_key_id=ferris&secret_access_key=ferris-secret'
const cs = parseConnectionString(URI)
const BUCKET = cs.hosts[0].host
const QUERY = URI.slice(URI.indexOf('?') + 1)

const SCHEMA = Schema.of(
  ['id', T.int64, false],
  ['user_id', T.int32, false],
  ['amount', T.decimal(18, 4), false],
  ['price', T.float64, false],
  ['country', T.string, false],
  ['ts', T.timestamp('us', 'UTC'), false],
)

// ---------------------------------------------------------------- data, built once, in batches
const COUNTRIES = ['PT', 'DE', 'FR', 'ES', 'IT']
let seed = 42
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x7fffffff
}
const batches = []
for (let start = 0; start < ROWS; start += BATCH) {
  const rows = []
  for (let i = start; i < Math.min(ROWS, start + BATCH); i++) {
    rows.push([
      9_007_199_254_740_993n + BigInt(i),
      Math.floor(random() * 100_000),
      new Decimal(BigInt(Math.floor(random() * 10_000_000)), 4),
      Math.round(random() * 100_000) / 100,
      COUNTRIES[i % COUNTRIES.length],
      1_704_067_200_000_000_000n + BigInt(i) * 1_000_000n,
    ])
  }
  batches.push({ schema: SCHEMA, rows })
}

const client = new S3Client({
  endpoint: getParam(cs, 'endpoint'),
  region: getParam(cs, 'region') ?? 'us-east-1',
  forcePathStyle: getParam(cs, 'path_style') === 'true',
  credentials: { accessKeyId: getParam(cs, 'access_key_id'), secretAccessKey: getParam(cs, 'secret_access_key') },
})
const registry = new ConnectorRegistry().register(s3Plugin)
const prefixes = []

async function listKeys(prefix) {
  const out = []
  let token
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }),
    )
    for (const o of page.Contents ?? []) out.push({ key: o.Key, size: o.Size })
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
  return out
}

/** CPU time of the whole process (every thread, so the sink's encoder thread too) since `from`, in ms. */
function cpuMs_(from) {
  const d = process.cpuUsage(from)
  return (d.user + d.system) / 1000
}

/** The sink, in steady state: a first commit (which learns the checkpoint id) is not timed. */
async function ferris() {
  const prefix = `bench-s3-${randomUUID().slice(0, 8)}/ferris/`
  prefixes.push(prefix)
  const { context } = createTestContext({ name: 'out' })
  const sink = registry.createSink(
    {
      name: 'out',
      role: 'sink',
      properties: { uri: `s3://${BUCKET}/${prefix}?${QUERY}`, format: 'parquet', max_records: String(MAX_RECORDS) },
    },
    context,
  )
  await sink.open()
  const writer = await sink.createWriter({ schema: SCHEMA, jobId: 'bench' })
  await writer.commit({ checkpointId: 1, positions: {} })
  const cpu = process.cpuUsage()
  const started = performance.now()
  for (const b of batches) await writer.write(b)
  await writer.commit({ checkpointId: 2, positions: {} })
  const ms = performance.now() - started
  const cpuMs = cpuMs_(cpu)
  await writer.close()
  await sink.close()

  return { ms, cpuMs, prefix }
}

/** The same writer properties as @ferris/formats sets for this schema (see createParquetWriter). */
function writerProperties() {
  return new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.ZSTD)
    .setMaxRowGroupSize(ROW_GROUP)
    .setCreatedBy('raw')
    .setDictionaryEnabled(false)
    .setColumnDictionaryEnabled('country', true)
    .setColumnEncoding('id', pw.Encoding.DELTA_BINARY_PACKED)
    .setColumnEncoding('user_id', pw.Encoding.DELTA_BINARY_PACKED)
    .setColumnEncoding('ts', pw.Encoding.DELTA_BINARY_PACKED)
    .build()
}

const ARROW_SCHEMA = new arrow.Schema([
  new arrow.Field('id', new arrow.Int64(), false),
  new arrow.Field('user_id', new arrow.Int32(), false),
  new arrow.Field('amount', new arrow.Decimal(4, 18, 128), false),
  new arrow.Field('price', new arrow.Float64(), false),
  new arrow.Field('country', new arrow.Utf8(), false),
  new arrow.Field('ts', new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, 'UTC'), false),
])
const utf8 = new TextEncoder()

/** Rows [from, to) as an Arrow record batch, each column built directly into its typed array. */
function arrowBatch(from, to) {
  const n = to - from
  const id = new BigInt64Array(n)
  const user = new Int32Array(n)
  const amount = new BigInt64Array(n * 2)
  const price = new Float64Array(n)
  const offsets = new Int32Array(n + 1)
  let text = new Uint8Array(n * 4)
  const ts = new BigInt64Array(n)
  let at = 0
  let i = 0
  for (let b = Math.floor(from / BATCH); b * BATCH < to; b++) {
    const rows = batches[b].rows
    const last = Math.min(rows.length, to - b * BATCH)
    for (let k = Math.max(0, from - b * BATCH); k < last; k++) {
      const r = rows[k]
      id[i] = r[0]
      user[i] = r[1]
      const unscaled = r[2].unscaled
      amount[2 * i] = unscaled
      amount[2 * i + 1] = unscaled < 0n ? -1n : 0n
      price[i] = r[3]
      if (at + r[4].length * 3 > text.length) {
        const grown = new Uint8Array(text.length * 2 + r[4].length * 3)
        grown.set(text.subarray(0, at))
        text = grown
      }
      at += utf8.encodeInto(r[4], text.subarray(at)).written
      offsets[++i] = at
      ts[i - 1] = r[5] / 1000n
    }
  }
  const f = ARROW_SCHEMA.fields
  const children = [
    arrow.makeData({ type: f[0].type, length: n, data: id }),
    arrow.makeData({ type: f[1].type, length: n, data: user }),
    arrow.makeData({ type: f[2].type, length: n, data: new Uint32Array(amount.buffer) }),
    arrow.makeData({ type: f[3].type, length: n, data: price }),
    arrow.makeData({ type: f[4].type, length: n, valueOffsets: offsets, data: text.subarray(0, at) }),
    arrow.makeData({ type: f[5].type, length: n, data: ts }),
  ]
  const struct = arrow.makeData({ type: new arrow.Struct(f), length: n, children })

  return new arrow.RecordBatch(ARROW_SCHEMA, struct)
}

/**
 * The raw libraries doing the sink's work: per object of max_records rows, Arrow columns from the rows,
 * parquet-wasm encoding with the same properties, one PutObject (the sink's call for objects under part_size).
 */
async function raw() {
  const prefix = `bench-s3-${randomUUID().slice(0, 8)}/raw/`
  prefixes.push(prefix)
  const cpu = process.cpuUsage()
  const started = performance.now()
  let bytes = 0
  let objects = 0
  for (let from = 0; from < ROWS; from += MAX_RECORDS) {
    const to = Math.min(ROWS, from + MAX_RECORDS)
    const ipc = arrow.tableToIPC(new arrow.Table([arrowBatch(from, to)]), 'stream')
    // writeParquet takes its properties by value (the WebAssembly object is consumed): one per call.
    const body = pw.writeParquet(pw.Table.fromIPCStream(ipc), writerProperties())
    bytes += body.length
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}part-${objects++}.parquet`, Body: body }))
  }
  return { ms: performance.now() - started, cpuMs: cpuMs_(cpu), bytes, objects }
}

/** Ratios of the runs: wall and CPU time, sink over raw. */
function summarise(results) {
  const ratios = results.map((r) => r.ferris.ms / r.raw.ms).sort((a, b) => a - b)
  const median = ratios[Math.floor(ratios.length / 2)]
  const bestF = Math.min(...results.map((r) => r.ferris.ms))
  const bestR = Math.min(...results.map((r) => r.raw.ms))
  const rate = (ms) => `${Math.round(ROWS / (ms / 1000)).toLocaleString('en')} rows/s`
  console.log(`\n${ROWS.toLocaleString('en')} rows, ${MAX_RECORDS.toLocaleString('en')} per object, zstd, ${RUNS} runs`)
  console.log(`ferris S3 sink, best:  ${bestF.toFixed(0)} ms  ${rate(bestF)}`)
  console.log(`raw same work, best:   ${bestR.toFixed(0)} ms  ${rate(bestR)}`)
  console.log(
    `wall ratio sink / raw per run: ${ratios.map((x) => x.toFixed(2)).join(' ')}; median ${median.toFixed(2)}; best/best ${(bestF / bestR).toFixed(2)}`,
  )
  const cpuRatios = results.map((r) => r.ferris.cpuMs / r.raw.cpuMs).sort((a, b) => a - b)
  console.log(
    `CPU ratio sink / raw per run:  ${cpuRatios.map((x) => x.toFixed(2)).join(' ')}; median ${cpuRatios[Math.floor(cpuRatios.length / 2)].toFixed(2)}`,
  )
}

const sizes = (listed) => listed.reduce((n, o) => n + o.size, 0)
const results = []
try {
  for (let run = 0; run < RUNS; run++) {
    // Alternate which side goes first, so neither always meets a warmer server or a colder heap.
    const order = run % 2 === 0 ? ['ferris', 'raw'] : ['raw', 'ferris']
    const r = {}
    for (const side of order) {
      // --only ferris|raw: one side only, e.g. to profile it with node --cpu-prof.
      if (args.only !== undefined && args.only !== side) continue
      // With node --expose-gc, each side starts from a collected heap, so neither pays for the other's garbage.
      globalThis.gc?.()
      r[side] = side === 'ferris' ? await ferris() : await raw()
    }
    if (args.only !== undefined) {
      console.log(
        `run ${run + 1}: ${args.only} ${r[args.only].ms.toFixed(0)} ms, CPU ${r[args.only].cpuMs.toFixed(0)} ms`,
      )
      continue
    }
    const listed = await listKeys(r.ferris.prefix)
    r.ferrisBytes = sizes(listed)
    r.ferrisObjects = listed.length
    results.push(r)
    console.log(
      `run ${run + 1}: ferris sink ${r.ferris.ms.toFixed(0)} ms (${listed.length} objects, ${(r.ferrisBytes / 1048576).toFixed(2)} MiB), ` +
        `raw arrow + parquet-wasm + PutObject ${r.raw.ms.toFixed(0)} ms (${r.raw.objects} objects, ${(r.raw.bytes / 1048576).toFixed(2)} MiB), ` +
        `ratio ${(r.ferris.ms / r.raw.ms).toFixed(2)}; CPU ${r.ferris.cpuMs.toFixed(0)} vs ${r.raw.cpuMs.toFixed(0)} ms, ratio ${(r.ferris.cpuMs / r.raw.cpuMs).toFixed(2)}`,
    )
    if (r.ferrisObjects !== r.raw.objects)
      throw new Error(`object counts differ: ${r.ferrisObjects} vs ${r.raw.objects}`)
  }
  if (args.only === undefined) summarise(results)
} finally {
  for (const prefix of prefixes) {
    const keys = (await listKeys(prefix)).map((o) => ({ Key: o.key }))
    for (let i = 0; i < keys.length; i += 1000) {
      await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.slice(i, i + 1000) } }))
    }
  }
  client.destroy()
}
