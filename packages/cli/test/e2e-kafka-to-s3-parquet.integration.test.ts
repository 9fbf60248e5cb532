import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  S3Client,
} from '@aws-sdk/client-s3'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteTopics, requireServices, S3_BUCKET, S3_ENDPOINT, uniqueName } from './e2e-services.js'
import { REPO_ROOT, runCli } from './run-cli.js'

/** examples/kafka-to-s3-parquet: flights from a topic into month-partitioned Parquet objects, read back with DuckDB. */
const topic = uniqueName('e2e_flights')
const prefix = `${uniqueName('e2e_lake')}/`
const s3 = new S3Client({
  endpoint: S3_ENDPOINT,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'ferris', secretAccessKey: 'ferris-secret' },
})

async function listKeys(client: S3Client, bucket: string, under: string): Promise<string[]> {
  const keys: string[] = []
  let token: string | undefined
  do {
    const page: ListObjectsV2CommandOutput = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: under, ContinuationToken: token }),
    )
    for (const o of page.Contents ?? []) keys.push(o.Key!)
    token = page.NextContinuationToken
  } while (token !== undefined)

  return keys.sort()
}

beforeAll(async () => {
  await requireServices('kafka', 's3')
  await promisify(execFile)(process.execPath, ['examples/kafka-to-clickhouse/seed.mjs', topic], { cwd: REPO_ROOT })
})

afterAll(async () => {
  const keys = await listKeys(s3, S3_BUCKET, prefix).catch(() => [])
  if (keys.length > 0)
    await s3.send(new DeleteObjectsCommand({ Bucket: S3_BUCKET, Delete: { Objects: keys.map((Key) => ({ Key })) } }))
  s3.destroy()
  await deleteTopics(topic)
})

describe('[kafka][s3] examples/kafka-to-s3-parquet', () => {
  it('writes one Hive-style prefix per month whose Parquet objects hold exactly the input flights', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-e2e-s3-'))
    const r = await runCli(
      [
        'run',
        'examples/kafka-to-s3-parquet/app.sql',
        '--set',
        `flights.topic=${topic}`,
        '--set',
        `flights.group_id=${uniqueName('e2e_s3')}`,
        '--set',
        `flights_lake.path=${prefix}`,
        '--set',
        `job.checkpoint.dir=${join(dir, 'ckpt')}`,
      ],
      { timeoutMs: 40_000 },
    )
    expect(r.stderr).not.toContain('FERRIS_')

    const keys = await listKeys(s3, S3_BUCKET, prefix)
    expect(keys.length).toBeGreaterThanOrEqual(3)
    for (const key of keys) expect(key).toMatch(new RegExp(`^${prefix}month=2001-0[123]/[^/]+\\.parquet$`))
    expect(new Set(keys.map((k) => k.split('/')[1]))).toEqual(
      new Set(['month=2001-01', 'month=2001-02', 'month=2001-03']),
    )

    // Download the objects as they are laid out, then let DuckDB read them as one hive-partitioned table.
    const local = join(dir, 'lake')
    for (const key of keys) {
      const body = await (
        await s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: key }))
      ).Body!.transformToByteArray()
      const file = join(local, key.slice(prefix.length))
      await mkdir(dirname(file), { recursive: true })
      await writeFile(file, body)
    }
    const db = await (await DuckDBInstance.create(':memory:')).connect()
    const input = join(REPO_ROOT, 'examples/data/flights-10k.json')
    const expected = await db.runAndReadAll(`
      SELECT replace(substr("date", 1, 7), '/', '-') AS month, count(*)::BIGINT AS n, sum(delay)::BIGINT AS delay,
             sum(distance)::BIGINT AS distance, count(DISTINCT origin)::BIGINT AS origins
      FROM read_json('${input}', columns = {date: 'VARCHAR', delay: 'BIGINT', distance: 'BIGINT', origin: 'VARCHAR', destination: 'VARCHAR'})
      GROUP BY month ORDER BY month`)
    const actual = await db.runAndReadAll(`
      SELECT month, count(*)::BIGINT AS n, sum(delay)::BIGINT AS delay, sum(distance)::BIGINT AS distance,
             count(DISTINCT origin)::BIGINT AS origins
      FROM read_parquet('${local}/*/*.parquet', hive_partitioning = false)
      GROUP BY month ORDER BY month`)
    expect(expected.getRowObjectsJson()).toHaveLength(3)
    expect(actual.getRowObjectsJson()).toEqual(expected.getRowObjectsJson())

    // Row for row: the multiset of flights read back equals the input's, and each object sits under its own month.
    const diff = await db.runAndReadAll(`
      WITH got AS (SELECT departure AS "date", delay, distance, origin, destination FROM read_parquet('${local}/*/*.parquet')),
           want AS (SELECT "date", delay, distance, origin, destination FROM read_json('${input}',
             columns = {date: 'VARCHAR', delay: 'BIGINT', distance: 'BIGINT', origin: 'VARCHAR', destination: 'VARCHAR'}))
      SELECT (SELECT count(*) FROM (SELECT * FROM got EXCEPT ALL SELECT * FROM want))::BIGINT AS extra,
             (SELECT count(*) FROM (SELECT * FROM want EXCEPT ALL SELECT * FROM got))::BIGINT AS missing,
             (SELECT count(*) FROM read_parquet('${local}/*/*.parquet', filename = true)
               WHERE filename NOT LIKE '%month=' || month || '/%')::BIGINT AS misplaced`)
    expect(diff.getRowObjectsJson()).toEqual([{ extra: '0', missing: '0', misplaced: '0' }])

    const types = await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${local}/*/*.parquet')`)
    const typeOf = Object.fromEntries(types.getRowObjectsJson().map((c) => [c.column_name, c.column_type]))
    expect({ delay: typeOf.delay, distance: typeOf.distance }).toEqual({ delay: 'BIGINT', distance: 'BIGINT' })

    expect(r.signal, `ferris did not exit after its bounded job completed: ${r.stderr.slice(-300)}`).toBeNull()
    expect(r.code).toBe(0)
  }, 60_000)
})
