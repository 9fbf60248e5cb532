import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { batchOf, type Position, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import type { S3Api } from '../../src/client.js'
import { createS3Client } from '../../src/client.js'
import { S3Source } from '../../src/source/s3-source.js'
import {
  BUCKET,
  EXACT,
  exactRows,
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
const KV = Schema.of(['id', T.int64], ['name', T.string])

async function put(client: S3Client, key: string, body: string | Uint8Array): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }))
}

/** The source's own client, wrapped to record each GET's Range header. */
function recordingSource(uri: string, ranges: string[]): S3Source {
  const options = registry().resolve({ name: 'in', role: 'source', properties: { uri } }).options as never
  const real = createS3Client(options, 'in')
  const client: S3Api = {
    send(command, opts) {
      if (command instanceof GetObjectCommand) ranges.push(String(command.input.Range))
      return real.send(command, opts)
    },
  }

  return new S3Source(options, testContext('in'), client)
}

describe('[s3] source', () => {
  it('lists more than 1000 keys with continuation tokens and reads each once, in key order', async () => {
    const prefix = uniquePrefix('many')
    const n = 1100
    for (let i = 0; i < n; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, n - i) }, (_, j) =>
          put(s3.client(), `${prefix}${String(i + j).padStart(5, '0')}.jsonl`, `{"id":${i + j},"name":"n${i + j}"}\n`),
        ),
      )
    }
    const reader = await source(s3Uri(prefix)).createReader({ schema: KV, batchSize: 500 })
    const { rows, position } = await readAll(reader)
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: n }, (_, i) => BigInt(i)))
    expect(Object.keys((position as { objects: object }).objects)).toHaveLength(n)
  })

  it('reads keys with spaces, +, % and Unicode, by prefix and by glob', async () => {
    const prefix = uniquePrefix('names')
    const keys = ['a b.csv', 'c+d.csv', 'e%20f.csv', 'été 🚀.csv', 'skip.txt', '_hidden.csv']
    for (const [i, k] of keys.entries()) await put(s3.client(), `${prefix}dir x/${k}`, `id,name\n${i},${k}\n`)
    const all = await readAll(await source(s3Uri(`${prefix}dir x/*.csv`)).createReader({ schema: KV, batchSize: 10 }))
    expect(all.rows.map((r) => r[1]).sort()).toEqual(['a b.csv', 'c+d.csv', 'e%20f.csv', 'été 🚀.csv'])
    const one = await readAll(await source(s3Uri(`${prefix}dir x/c+d.csv`)).createReader({ schema: KV, batchSize: 10 }))
    expect(one.rows).toEqual([[1n, 'c+d.csv']])
    const pct = await readAll(
      await source(s3Uri(`${prefix}dir x/e%20f.csv`)).createReader({ schema: KV, batchSize: 10 }),
    )
    expect(pct.rows).toEqual([[2n, 'e%20f.csv']])
  })

  it('matches a glob across prefixes (events/2024-*/*.parquet) and skips other keys', async () => {
    const prefix = uniquePrefix('glob')
    for (const [dir, from] of [
      ['2024-01', 0],
      ['2024-02', 100],
      ['2023-12', 200],
    ] as const) {
      const out = sink(s3Uri(`${prefix}events/${dir}/`, { format: 'parquet' }))
      const w = await out.createWriter({ schema: EXACT, jobId: 'glob' })
      await w.write(batchOf(EXACT, exactRows(100, from)))
      await w.commit({ checkpointId: 1, positions: {} })
    }
    const { rows } = await readAll(
      await source(s3Uri(`${prefix}events/2024-*/*.parquet`)).createReader({ schema: EXACT, batchSize: 64 }),
    )
    expect(show(rows)).toEqual(show(exactRows(200)))
  })

  it('reads Parquet by ranged GETs, the footer first by a suffix range, and resumes at a row', async () => {
    const prefix = uniquePrefix('pq')
    const out = sink(s3Uri(prefix, { format: 'parquet', row_group_size: '1000', parquet_compression: 'snappy' }))
    const w = await out.createWriter({ schema: EXACT, jobId: 'pq' })
    const rows = exactRows(5000)
    await w.write(batchOf(EXACT, rows))
    await w.commit({ checkpointId: 1, positions: {} })

    const ranges: string[] = []
    const reader = await recordingSource(s3Uri(prefix), ranges).createReader({ schema: EXACT, batchSize: 700 })
    const first = await reader.read()
    const second = await reader.read()
    if (first.kind !== 'batch' || second.kind !== 'batch') throw new Error('expected batches')
    expect(ranges[0]).toBe('bytes=-65536')
    expect(ranges.slice(1).every((r) => /^bytes=\d+-\d+$/.test(r))).toBe(true)
    const position: Position = JSON.parse(JSON.stringify(second.position))
    await reader.close()

    const resumed = await source(s3Uri(prefix)).createReader({ schema: EXACT, batchSize: 999, from: position })
    const rest = await readAll(resumed)
    expect(show([...first.batch.rows, ...second.batch.rows, ...rest.rows])).toEqual(show(rows))
    expect(rest.rows).toHaveLength(5000 - 1400)
  })

  it('resumes a CSV object from a byte offset with a ranged GET, keeping the header', async () => {
    const prefix = uniquePrefix('resume')
    const lines = ['id,name', ...Array.from({ length: 3000 }, (_, i) => `${i},row ${i}`)]
    await put(s3.client(), `${prefix}a.csv`, `${lines.join('\n')}\n`)
    await put(s3.client(), `${prefix}b.csv`, 'name,id\nlast,3000\n')
    const ranges: string[] = []
    const reader = await recordingSource(s3Uri(prefix), ranges).createReader({ schema: KV, batchSize: 1000 })
    const first = await reader.read()
    if (first.kind !== 'batch') throw new Error('expected a batch')
    const position = JSON.parse(JSON.stringify(first.position)) as { objects: Record<string, { offset: number }> }
    const offset = position.objects[`${prefix}a.csv`]!.offset
    expect(offset).toBe(Buffer.byteLength(`${lines.slice(0, 1001).join('\n')}\n`))
    await reader.close()

    const ranges2: string[] = []
    const resumed = await recordingSource(s3Uri(prefix), ranges2).createReader({
      schema: KV,
      batchSize: 1000,
      from: position,
    })
    const rest = await readAll(resumed)
    expect(ranges2).toContain(`bytes=${offset}-`)
    expect([...first.batch.rows, ...rest.rows].map((r) => r[0])).toEqual(
      Array.from({ length: 3001 }, (_, i) => BigInt(i)),
    )
  })

  it('reports bad records with the object, line and byte offset, and goes on', async () => {
    const prefix = uniquePrefix('bad')
    await put(
      s3.client(),
      `${prefix}x.jsonl`,
      '{"id":1,"name":"a"}\n{"id":2,"name":\n{"id":"three","name":"c"}\n{"id":4,"name":"d"}\n',
    )
    const ctx = testContext('in')
    const { rows } = await readAll(await source(s3Uri(prefix), ctx).createReader({ schema: KV, batchSize: 10 }))
    expect(rows).toEqual([
      [1n, 'a'],
      [4n, 'd'],
    ])
    expect(ctx.bad.map((b) => b.position)).toEqual([
      { object: `s3://${BUCKET}/${prefix}x.jsonl`, key: `${prefix}x.jsonl`, line: 2, byte: 20 },
      { object: `s3://${BUCKET}/${prefix}x.jsonl`, key: `${prefix}x.jsonl`, line: 3, byte: 36 },
    ])
    expect(ctx.bad[0]!.raw).toBe('{"id":2,"name":')
    expect(ctx.bad[1]!.error.code).toBe('FERRIS_TYPE_CONVERSION')
  })

  it('reports Parquet rows that do not fit the schema at { object, key, row } and reads past them', async () => {
    // The Parquet reader returns rows whose values do not fit beside the good ones; the source reports each and
    // moves its row position past it, where one such row once failed the whole read.
    const prefix = uniquePrefix('badpq')
    const out = sink(s3Uri(prefix, { format: 'parquet', row_group_size: '4' }))
    const w = await out.createWriter({ schema: KV, jobId: 'b' })
    await w.write(
      batchOf(KV, [
        [1n, 'a'],
        [2n, null],
        [3n, 'c'],
        [4n, 'd'],
        [5n, null],
        [6n, 'f'],
      ]),
    )
    await w.commit({ checkpointId: 1, positions: {} })
    const notNull = new Schema([
      { name: 'id', type: T.int64, nullable: true },
      { name: 'name', type: T.string, nullable: false },
    ])
    const ctx = testContext('in')
    const { rows, position } = await readAll(
      await source(s3Uri(prefix), ctx).createReader({ schema: notNull, batchSize: 2 }),
    )
    expect(rows).toEqual([
      [1n, 'a'],
      [3n, 'c'],
      [4n, 'd'],
      [6n, 'f'],
    ])
    expect(ctx.bad.map((b) => b.position)).toEqual([
      expect.objectContaining({ key: expect.stringContaining(prefix), row: 1 }),
      expect.objectContaining({ key: expect.stringContaining(prefix), row: 4 }),
    ])
    expect(ctx.bad[0]!.position!.object).toBe(`s3://${BUCKET}/${ctx.bad[0]!.position!.key}`)
    expect(ctx.bad[1]!.values).toEqual({ id: 5n, name: null })
    expect(ctx.bad[1]!.error.message).toMatch(/Column name is declared NOT NULL but row 4 of s3:.* has NULL/)
    expect(Object.values((position as { objects: Record<string, unknown> }).objects)).toEqual([
      { offset: 6, line: 1, done: true, unit: 'row' },
    ])
  })

  it('watches a prefix: returns idle, then reads objects that appear', async () => {
    const prefix = uniquePrefix('watch')
    await put(s3.client(), `${prefix}1.jsonl`, '{"id":1,"name":"a"}\n')
    const reader = await source(s3Uri(prefix, { watch: 'true', poll_interval: '50ms' })).createReader({
      schema: KV,
      batchSize: 10,
    })
    expect(await reader.read()).toMatchObject({ kind: 'batch' })
    expect((await reader.read()).kind).toBe('idle')
    await put(s3.client(), `${prefix}2.jsonl`, '{"id":2,"name":"b"}\n')
    const next = await reader.read()
    expect(next.kind === 'batch' ? next.batch.rows : []).toEqual([[2n, 'b']])
    expect(reader.hasMore()).toBe(true)
    await reader.close()
  })

  it('fails to open a missing prefix with FERRIS_NOT_FOUND, and a missing bucket saying so', async () => {
    const prefix = uniquePrefix('none')
    await expect(source(s3Uri(`${prefix}nothing/`)).open()).rejects.toMatchObject({ code: 'FERRIS_NOT_FOUND' })
    const other = s3Uri('x/').replace(`s3://${BUCKET}/`, 's3://no-such-bucket-ferris/')
    await expect(source(other).open()).rejects.toMatchObject({
      code: 'FERRIS_NOT_FOUND',
      message: expect.stringContaining('bucket "no-such-bucket-ferris" does not exist'),
    })
  })

  it('discovers the schema of CSV and Parquet objects', async () => {
    const prefix = uniquePrefix('schema')
    await put(s3.client(), `${prefix}a.csv`, 'id,name\n1,x\n')
    expect((await source(s3Uri(`${prefix}a.csv`)).discoverSchema())?.names).toEqual(['id', 'name'])
    const out = sink(s3Uri(`${prefix}pq/`, { format: 'parquet' }))
    const w = await out.createWriter({ schema: EXACT, jobId: 's' })
    await w.write(batchOf(EXACT, exactRows(3)))
    await w.commit({ checkpointId: 1, positions: {} })
    expect((await source(s3Uri(`${prefix}pq/`)).discoverSchema())?.names).toEqual(EXACT.names)
  })

  it('fails with FERRIS_AUTHENTICATION_FAILED on a wrong secret, without printing it', async () => {
    const uri = s3Uri('x/').replace(/secret_access_key=[^&]*/, 'secret_access_key=wrong-secret-123')
    const error = await source(uri)
      .open()
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'FERRIS_AUTHENTICATION_FAILED', retryable: false })
    const shown = `${(error as Error).message} ${JSON.stringify(error)} ${(error as { describe(): string }).describe()}`
    expect(shown).not.toContain('wrong-secret-123')
  })
})
