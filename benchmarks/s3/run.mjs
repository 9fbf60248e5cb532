#!/usr/bin/env node
// S3 Parquet sink benchmark: the same rows written, in the same run, by @ferris/connector-s3's sink (values
// encoded to Parquet by @ferris/formats, uploaded as objects that become visible at commit) and by the raw
// @aws-sdk/client-s3 sending the very same bytes with PutObject. The raw client does no encoding, so the
// ratio is the whole cost of the sink (encoding plus its upload path) against the upload alone; the encode
// time on its own is printed too, to show where the difference goes. Needs the server:
// tools/services/s3/start.
//
//   npx tsc -p packages/core/tsconfig.build.json && npx tsc -p packages/formats/tsconfig.build.json \
//     && npx tsc -p packages/connector-s3/tsconfig.build.json
//   node benchmarks/s3/run.mjs [--rows 1000000] [--runs 3] [--max-records 250000] [--uri s3://ferris/?endpoint=...]

import { randomUUID } from 'node:crypto'
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import s3Plugin from '@ferris/connector-s3/plugin'
import { ConnectorRegistry, Decimal, getParam, parseConnectionString, Schema, T } from '@ferris/core'
import { createTestContext } from '@ferris/core/testing'
import { createParquetWriter } from '@ferris/formats'

const args = {}
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i].startsWith('--')) args[process.argv[i].slice(2)] = process.argv[i + 1]
}
const ROWS = Number(args.rows ?? 1_000_000)
const RUNS = Number(args.runs ?? 3)
const MAX_RECORDS = Number(args['max-records'] ?? 250_000)
const BATCH = 1024
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
  const started = performance.now()
  for (const b of batches) await writer.write(b)
  await writer.commit({ checkpointId: 2, positions: {} })
  const ms = performance.now() - started
  await writer.close()
  await sink.close()

  return { ms, prefix }
}

/** The raw client: PutObject of the same bytes the sink produced (fetched beforehand, not timed). */
async function raw(objects) {
  const prefix = `bench-s3-${randomUUID().slice(0, 8)}/raw/`
  prefixes.push(prefix)
  const started = performance.now()
  for (const o of objects) {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}${o.name}`, Body: o.bytes }))
  }
  return performance.now() - started
}

/** Encoding alone, into memory: the part of the sink's time the raw client does not spend. */
async function encodeOnly() {
  const started = performance.now()
  let bytes = 0
  for (let from = 0; from < batches.length; ) {
    const writer = await createParquetWriter(
      SCHEMA,
      {
        write: async (c) => {
          bytes += c.length
        },
      },
      { compression: 'zstd' },
    )
    let rows = 0
    while (from < batches.length && rows < MAX_RECORDS) {
      await writer.write(batches[from])
      rows += batches[from++].rows.length
    }
    await writer.finish()
  }
  return { ms: performance.now() - started, bytes }
}

const best = { ferris: Infinity, raw: Infinity, encode: Infinity }
let totalBytes = 0
let objectCount = 0
try {
  for (let run = 0; run < RUNS; run++) {
    const f = await ferris()
    const listed = await listKeys(f.prefix)
    const objects = []
    for (const o of listed) {
      const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.key }))
      objects.push({ name: o.key.slice(f.prefix.length), bytes: await res.Body.transformToByteArray() })
    }
    totalBytes = objects.reduce((n, o) => n + o.bytes.length, 0)
    objectCount = objects.length
    const r = await raw(objects)
    const e = await encodeOnly()
    best.ferris = Math.min(best.ferris, f.ms)
    best.raw = Math.min(best.raw, r)
    best.encode = Math.min(best.encode, e.ms)
    console.log(
      `run ${run + 1}: ferris sink ${f.ms.toFixed(0)} ms, raw PutObject ${r.toFixed(0)} ms, encode only ${e.ms.toFixed(0)} ms`,
    )
  }
  const rate = (ms) => `${Math.round(ROWS / (ms / 1000)).toLocaleString('en')} rows/s`
  console.log(
    `\n${ROWS.toLocaleString('en')} rows, ${objectCount} Parquet objects, ${(totalBytes / 1048576).toFixed(1)} MiB (zstd), best of ${RUNS}`,
  )
  console.log(`ferris S3 sink (encode + upload, visible at commit): ${best.ferris.toFixed(0)} ms  ${rate(best.ferris)}`)
  console.log(`raw @aws-sdk/client-s3 PutObject of the same bytes:   ${best.raw.toFixed(0)} ms  ${rate(best.raw)}`)
  console.log(`Parquet encoding alone (in memory):                  ${best.encode.toFixed(0)} ms`)
  console.log(
    `ratio sink / raw: ${(best.ferris / best.raw).toFixed(2)}x; sink / (encode + raw): ${(best.ferris / (best.encode + best.raw)).toFixed(2)}x`,
  )
} finally {
  for (const prefix of prefixes) {
    const keys = (await listKeys(prefix)).map((o) => ({ Key: o.key }))
    for (let i = 0; i < keys.length; i += 1000) {
      await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.slice(i, i + 1000) } }))
    }
  }
  client.destroy()
}
