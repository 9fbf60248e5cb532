import { randomUUID } from 'node:crypto'
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3'
import {
  type BadRecord,
  type ConnectorContext,
  ConnectorRegistry,
  type DataReader,
  type DataSink,
  type DataSource,
  Decimal,
  getParam,
  isDecimal,
  type Logger,
  noopMetrics,
  type Position,
  parseConnectionString,
  type Row,
  Schema,
  silentLogger,
  T,
} from '@ferris/core'
import { afterAll, beforeAll } from 'vitest'
import plugin from '../src/plugin.js'

/** The URL `tools/services/s3/start` prints; FERRIS_S3_URL overrides it. */
export const S3_URL =
  process.env.FERRIS_S3_URL ??
  's3://ferris/?endpoint=http://127.0.0.1:19000&region=us-east-1&path_style=true&access_key_id=ferris&secret_access_key=ferris-secret'

const parsed = parseConnectionString(S3_URL)
export const BUCKET = parsed.hosts[0]!.host
const QUERY = S3_URL.slice(S3_URL.indexOf('?') + 1)

export function rawClient(): S3Client {
  return new S3Client({
    endpoint: getParam(parsed, 'endpoint')!,
    region: getParam(parsed, 'region') ?? 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: getParam(parsed, 'access_key_id')!,
      secretAccessKey: getParam(parsed, 'secret_access_key')!,
    },
  })
}

/**
 * For integration test files: fails every test with a clear message when the server is down, and deletes
 * each prefix handed out by `uniquePrefix` (objects and unfinished uploads) after the file.
 */
export function useS3(): { client: () => S3Client } {
  let client: S3Client | undefined
  beforeAll(async () => {
    client = rawClient()
    try {
      await client.send(new HeadBucketCommand({ Bucket: BUCKET }), { abortSignal: AbortSignal.timeout(5000) })
    } catch (error) {
      throw new Error(
        `The S3 server at ${getParam(parsed, 'endpoint')} does not answer (${(error as { code?: string }).code ?? (error as Error).name}): start it with tools/services/s3/start`,
      )
    }
  })
  afterAll(async () => {
    if (client === undefined) return
    for (const prefix of prefixes.splice(0)) await deletePrefix(client, prefix).catch(() => {})
    client.destroy()
  })

  return { client: () => client! }
}

const prefixes: string[] = []

/** A key prefix no other test uses, deleted after the test file. */
export function uniquePrefix(label: string): string {
  const prefix = `it-${label}-${randomUUID().slice(0, 8)}/`
  prefixes.push(prefix)

  return prefix
}

export async function deletePrefix(client: S3Client, prefix: string): Promise<void> {
  let token: string | undefined
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: prefix,
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
    )
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }))
    if (keys.length > 0) await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys } }))
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined
  } while (token !== undefined)
  const uploads = await client
    .send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }))
    .catch(() => undefined)
  for (const u of uploads?.Uploads ?? []) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: u.Key!, UploadId: u.UploadId! }))
  }
}

/** Every key under a prefix, in order. */
export async function listKeys(client: S3Client, prefix: string): Promise<string[]> {
  const out: string[] = []
  let token: string | undefined
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: prefix,
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
    )
    for (const o of page.Contents ?? []) out.push(o.Key!)
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined
  } while (token !== undefined)

  return out
}

/** A connection string for `path` (a key, prefix or glob) in the test bucket, with extra parameters. */
export function s3Uri(path: string, params: Record<string, string> = {}): string {
  const encoded = path
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/%2A/g, '*'))
    .join('/')
  const extra = Object.entries(params)
    .map(([k, v]) => `&${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('')

  return `s3://${BUCKET}/${encoded}?${QUERY}${extra}`
}

export interface TestContext extends ConnectorContext {
  readonly bad: BadRecord[]
  readonly controller: AbortController
}

/** A logger that keeps warnings, to see retries happen. */
export function recordingLogger(into: string[]): Logger {
  const logger: Logger = {
    isLevelEnabled: () => true,
    log: (level, message) => {
      if (level === 'warn') into.push(message)
    },
    child: () => logger,
  }

  return logger
}

export function testContext(name = 'input', logger: Logger = silentLogger): TestContext {
  const bad: BadRecord[] = []
  const controller = new AbortController()

  return {
    name,
    logger,
    metrics: noopMetrics,
    signal: controller.signal,
    cwd: process.cwd(),
    bad,
    controller,
    reportBadRecord: (record) => {
      bad.push(record)
    },
  }
}

export const registry = (): ConnectorRegistry => new ConnectorRegistry().register(plugin)

export function source(uri: string, context = testContext(), properties: Record<string, string> = {}): DataSource {
  return registry().createSource({ name: context.name, role: 'source', properties: { uri, ...properties } }, context)
}

export function sink(uri: string, context = testContext('out'), properties: Record<string, string> = {}): DataSink {
  return registry().createSink({ name: context.name, role: 'sink', properties: { uri, ...properties } }, context)
}

/** Reads until `end` (bounded) or the first `idle` (watch). */
export async function readAll(reader: DataReader, maxBatches = 100_000): Promise<{ rows: Row[]; position: Position }> {
  const rows: Row[] = []
  let position: Position = null
  for (let i = 0; i < maxBatches; i++) {
    const r = await reader.read()
    position = r.position
    if (r.kind === 'batch') rows.push(...r.batch.rows)
    else break
  }

  return { rows, position }
}

/** A schema with every type whose exactness matters: 64-bit ints, decimals, nanosecond timestamps. */
export const EXACT = Schema.of(
  ['id', T.int64, false],
  ['big', T.int64],
  ['price', T.decimal(20, 4)],
  ['ratio', T.float64],
  ['name', T.string],
  ['ok', T.boolean],
  ['at', T.timestamp('ns', 'UTC')],
)

export function exactRows(n: number, from = 0): Row[] {
  const rows: Row[] = []
  for (let i = from; i < from + n; i++) {
    rows.push([
      BigInt(i),
      i % 7 === 0 ? null : 9_007_199_254_740_993n + BigInt(i),
      new Decimal(BigInt(i) * 123_456_789n + 1n, 4),
      i % 5 === 0 ? null : i / 3,
      i % 11 === 0 ? null : `name ${i}, "quoted" é 🚀`,
      i % 3 === 0 ? null : i % 2 === 0,
      1_704_067_200_123_456_789n + BigInt(i),
    ])
  }

  return rows
}

/** Rows as comparable text: decimals by their digits, bigints with an `n`. */
export function show(rows: readonly Row[]): string[] {
  return rows.map((r) =>
    r.map((v) => (typeof v === 'bigint' ? `${v}n` : isDecimal(v) ? `${v.toString()}d` : JSON.stringify(v))).join(' | '),
  )
}
