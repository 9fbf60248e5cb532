import { HeadObjectCommand, ListMultipartUploadsCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { batchOf, Decimal, type Row, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import type { S3Api } from '../../src/client.js'
import { createS3Client } from '../../src/client.js'
import { S3Sink } from '../../src/sink/s3-sink.js'
import {
  BUCKET,
  EXACT,
  exactRows,
  listKeys,
  readAll,
  registry,
  s3Uri,
  show,
  sink,
  source,
  testContext,
  uniquePrefix,
  useS3,
} from '../helpers.js'

const s3 = useS3()

async function readBack(prefix: string, schema = EXACT): Promise<Row[]> {
  return (await readAll(await source(s3Uri(prefix)).createReader({ schema, batchSize: 1000 }))).rows
}

function sortById(rows: Row[]): Row[] {
  return [...rows].sort((a, b) => (BigInt(a[0] as bigint) < BigInt(b[0] as bigint) ? -1 : 1))
}

describe('[s3] sink', () => {
  it('partitions keys by column values, Hive style', async () => {
    const prefix = uniquePrefix('part')
    const schema = Schema.of(['id', T.int64], ['dt', T.string], ['region', T.string])
    const out = sink(s3Uri(prefix, { format: 'jsonl', partition_by: 'dt,region' }))
    const w = await out.createWriter({ schema, jobId: 'p' })
    await w.write(
      batchOf(schema, [
        [1n, '2024-01-01', 'eu'],
        [2n, '2024-01-02', 'us/east'],
        [3n, '2024-01-01', 'eu'],
        [4n, null, 'eu'],
      ]),
    )
    await w.commit({ checkpointId: 7, positions: {} })
    expect(await listKeys(s3.client(), prefix)).toEqual([
      `${prefix}dt=2024-01-01/region=eu/part-p-00000007-0000.jsonl`,
      `${prefix}dt=2024-01-02/region=us%2Feast/part-p-00000007-0001.jsonl`,
      `${prefix}dt=__HIVE_DEFAULT_PARTITION__/region=eu/part-p-00000007-0002.jsonl`,
    ])
  })

  it('rolls objects by record count and by size', async () => {
    const prefix = uniquePrefix('roll')
    const w = await sink(s3Uri(`${prefix}n/`, { format: 'csv', max_records: '1000' })).createWriter({
      schema: EXACT,
      jobId: 'r',
    })
    await w.write(batchOf(EXACT, exactRows(2500)))
    await w.commit({ checkpointId: 1, positions: {} })
    expect(await listKeys(s3.client(), `${prefix}n/`)).toHaveLength(3)
    expect(show(await readBack(`${prefix}n/`))).toEqual(show(exactRows(2500)))

    const w2 = await sink(s3Uri(`${prefix}b/`, { format: 'jsonl', max_bytes: '50kb' })).createWriter({
      schema: EXACT,
      jobId: 'r',
    })
    for (let i = 0; i < 10; i++) await w2.write(batchOf(EXACT, exactRows(100, i * 100)))
    await w2.commit({ checkpointId: 1, positions: {} })
    expect((await listKeys(s3.client(), `${prefix}b/`)).length).toBeGreaterThan(2)
    expect(show(await readBack(`${prefix}b/`))).toEqual(show(exactRows(1000)))
  })

  it('uploads large objects in parts, invisible until commit, both spooled (first commit) and streamed', async () => {
    const prefix = uniquePrefix('mp')
    const out = sink(s3Uri(prefix, { format: 'csv', part_size: '5mb', compression: 'none' }))
    const w = await out.createWriter({ schema: EXACT, jobId: 'mp' })
    const big = (from: number) => exactRows(120_000, from) // about 12 MB of CSV
    for (let i = 0; i < 120_000; i += 10_000) await w.write(batchOf(EXACT, big(0).slice(i, i + 10_000)))
    expect(await listKeys(s3.client(), prefix)).toEqual([])
    await w.commit({ checkpointId: 1, positions: {} })
    const first = `${prefix}part-mp-00000001-0000.csv`
    expect(await listKeys(s3.client(), prefix)).toEqual([first])
    const head1 = await s3.client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: first }))
    expect(head1.ETag).toMatch(/-3"$/)

    // After the first commit the name is known: parts go out while rows are written.
    for (let i = 0; i < 120_000; i += 10_000) await w.write(batchOf(EXACT, big(120_000).slice(i, i + 10_000)))
    const second = `${prefix}part-mp-00000002-0000.csv`
    const uploads = await s3.client().send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }))
    expect((uploads.Uploads ?? []).map((u) => u.Key)).toEqual([second])
    expect(await listKeys(s3.client(), prefix)).toEqual([first])
    await w.commit({ checkpointId: 2, positions: {} })
    expect(await listKeys(s3.client(), prefix)).toEqual([first, second])
    expect((await s3.client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: second }))).ETag).toMatch(/-3"$/)
    const rows = await readBack(prefix)
    expect(rows).toHaveLength(240_000)
    expect(show(rows.slice(119_990, 120_010))).toEqual(show(exactRows(20, 119_990)))
  }, 180_000)

  it('a restarted job re-committing a checkpoint replaces what the crashed run made visible: no loss, no duplicates', async () => {
    const prefix = uniquePrefix('crash')
    const uri = s3Uri(prefix, { format: 'parquet', max_records: '300' })
    const a = await sink(uri).createWriter({ schema: EXACT, jobId: 'job-c' })
    await a.write(batchOf(EXACT, exactRows(500)))
    await a.commit({ checkpointId: 1, positions: {} })
    await a.write(batchOf(EXACT, exactRows(500, 500)))
    await a.commit({ checkpointId: 2, positions: {} }) // visible in S3, but the job crashes before recording it
    await a.write(batchOf(EXACT, exactRows(100, 1000))) // never committed

    // The job restarts from checkpoint 1 and replays rows 500.. cut differently.
    const b = await sink(uri).createWriter({ schema: EXACT, jobId: 'job-c' })
    await b.write(batchOf(EXACT, exactRows(250, 500)))
    await b.write(batchOf(EXACT, exactRows(450, 750)))
    await b.commit({ checkpointId: 2, positions: {} })
    await b.close()
    expect(show(sortById(await readBack(prefix)))).toEqual(show(exactRows(1200)))
  })

  it('a commit retried after a lost answer finds its objects there (If-None-Match) and writes nothing twice', async () => {
    const prefix = uniquePrefix('retry')
    const options = registry().resolve({
      name: 'out',
      role: 'sink',
      properties: { uri: s3Uri(prefix, { format: 'jsonl', max_records: '10' }) },
    }).options as never
    const real = createS3Client(options, 'out')
    let puts = 0
    let lost = 0
    const statuses: string[] = []
    const client: S3Api = {
      async send(command, opts) {
        if (command instanceof PutObjectCommand) {
          puts++
          try {
            const res = await real.send(command, opts)
            statuses.push('200')
            if (puts === 2) {
              lost++
              throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
            }
            return res
          } catch (error) {
            if ((error as { name?: string }).name === 'PreconditionFailed') statuses.push('412')
            throw error
          }
        }
        return real.send(command, opts)
      },
    }
    const w = await new S3Sink(options, testContext('out'), client).createWriter({ schema: EXACT, jobId: 'j' })
    await w.write(batchOf(EXACT, exactRows(30)))
    await w.commit({ checkpointId: 1, positions: {} })
    expect(lost).toBe(1)
    expect(statuses).toEqual(['200', '200', '412', '200'])
    expect(await listKeys(s3.client(), prefix)).toHaveLength(3)
    expect(show(await readBack(prefix))).toEqual(show(exactRows(30)))
  })

  it('rollback and close leave nothing behind: no objects, no unfinished uploads', async () => {
    const prefix = uniquePrefix('rollback')
    const w = await sink(s3Uri(prefix, { format: 'csv', part_size: '5mb' })).createWriter({
      schema: EXACT,
      jobId: 'rb',
    })
    await w.write(batchOf(EXACT, exactRows(10)))
    await w.commit({ checkpointId: 1, positions: {} })
    for (let i = 0; i < 6; i++) await w.write(batchOf(EXACT, exactRows(10_000, i * 10_000)))
    await w.rollback()
    await w.close()
    expect(await listKeys(s3.client(), prefix)).toHaveLength(1)
    const uploads = await s3.client().send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }))
    expect(uploads.Uploads ?? []).toEqual([])
  })

  it('never overwrites an object that exists, by single PUT or by multipart completion (a zombie writer)', async () => {
    const prefix = uniquePrefix('zombie')
    const uri = s3Uri(prefix, { format: 'csv', part_size: '5mb' })
    const a = await sink(uri).createWriter({ schema: EXACT, jobId: 'z' })
    await a.write(batchOf(EXACT, exactRows(5)))
    await a.commit({ checkpointId: 1, positions: {} })
    const b = await sink(uri).createWriter({ schema: EXACT, jobId: 'z' })
    await b.write(batchOf(EXACT, exactRows(5, 100)))
    await b.commit({ checkpointId: 1, positions: {} }) // b's first commit replaces a's checkpoint 1: a restart
    // a runs on as a zombie: its next objects stream to names b will also write.
    await a.write(batchOf(EXACT, exactRows(60_000, 1000))) // several MB: a multipart upload
    await b.write(batchOf(EXACT, exactRows(60_000, 200_000)))
    await b.commit({ checkpointId: 2, positions: {} })
    await a.commit({ checkpointId: 2, positions: {} })
    const rows = await readBack(prefix)
    expect(rows.map((r) => r[0])).toEqual([
      ...exactRows(5, 100).map((r) => r[0]),
      ...exactRows(60_000, 200_000).map((r) => r[0]),
    ])
    const uploads = await s3.client().send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }))
    expect(uploads.Uploads ?? []).toEqual([])
  }, 120_000)

  it('hands a row whose value does not fit a Parquet column to the bad-record policy and writes the rest', async () => {
    const prefix = uniquePrefix('badrow')
    const schema = Schema.of(['id', T.int64], ['price', T.decimal(5, 2)])
    const ctx = testContext('out')
    const w = await sink(s3Uri(prefix, { format: 'parquet', row_group_size: '2' }), ctx).createWriter({
      schema,
      jobId: 'br',
    })
    const rows: Row[] = [
      [1n, new Decimal(100n, 2)],
      [2n, new Decimal(200n, 2)],
      [3n, new Decimal(300n, 2)],
      [4n, new Decimal(123_456_789n, 2)], // 1234567.89 does not fit DECIMAL(5, 2)
      [5n, new Decimal(500n, 2)],
    ]
    await w.write(batchOf(schema, rows))
    await w.commit({ checkpointId: 1, positions: {} })
    expect(ctx.bad).toHaveLength(1)
    expect(ctx.bad[0]!.values).toMatchObject({ id: 4n })
    expect(ctx.bad[0]!.error.code).toBe('FERRIS_TYPE_CONVERSION')
    const back = await readBack(prefix, schema)
    expect(back.map((r) => r[0])).toEqual([1n, 2n, 3n, 5n])
  })
})
