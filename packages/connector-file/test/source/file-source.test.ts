import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { type DataReader, type DataSource, isFerrisError, type Position, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { readAll, registry, tempDir, testContext } from '../helpers.js'

const S = Schema.of(['id', T.int64], ['name', T.string])

function source(dir: string, properties: Record<string, string>, policy: 'skip' | 'fail' = 'skip') {
  const ctx = testContext(dir, 'input', policy)
  const src: DataSource = registry().createSource(
    { name: 'input', role: 'source', properties: { type: 'file_source', ...properties } },
    ctx,
  )

  return { src, ctx }
}

async function readRows(dir: string, properties: Record<string, string>, schema = S, from?: Position) {
  const { src, ctx } = source(dir, properties)
  await src.open()
  const reader = await src.createReader({ schema, batchSize: 2, ...(from === undefined ? {} : { from }) })
  const result = await readAll(reader)
  await reader.close()

  return { ...result, bad: ctx.bad, reader }
}

describe('[file] source', () => {
  it('reads one CSV file in batches, then ends', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'in.csv'), 'id,name\n1,a\n2,b\n3,c\n')
    const { rows, batches, position, reader } = await readRows(dir, { path: 'in.csv' })
    expect(rows).toEqual([
      [1n, 'a'],
      [2n, 'b'],
      [3n, 'c'],
    ])
    expect(batches).toBe(2)
    expect(position).toEqual({ files: { 'in.csv': { offset: 20, line: 5, done: true } } })
    expect(reader.hasMore()).toBe(false)
  })

  it('reads every file of a directory in name order, recursively, skipping hidden files', async () => {
    const dir = await tempDir()
    await mkdir(join(dir, 'data', '2024'), { recursive: true })
    await writeFile(join(dir, 'data', 'b.csv'), 'id,name\n2,b\n')
    await writeFile(join(dir, 'data', 'a.csv'), 'id,name\n1,a\n')
    await writeFile(join(dir, 'data', '2024', 'c.csv'), 'id,name\n3,c\n')
    await writeFile(join(dir, 'data', '.a.csv.inprogress-1234'), 'id,name\n99,hidden\n')
    const { rows } = await readRows(dir, { path: './data', format: 'csv' })
    expect(rows.map((r) => r[0])).toEqual([3n, 1n, 2n])
  })

  it('reads the files a glob matches, with ** and {a,b}', async () => {
    const dir = await tempDir()
    await mkdir(join(dir, 'logs', 'x', 'y'), { recursive: true })
    await writeFile(join(dir, 'logs', 'one.jsonl'), '{"id":1,"name":"a"}\n')
    await writeFile(join(dir, 'logs', 'x', 'y', 'two.jsonl'), '{"id":2,"name":"b"}\n')
    await writeFile(join(dir, 'logs', 'x', 'skip.csv'), 'id,name\n9,z\n')
    await writeFile(join(dir, 'logs', 'x', 'three.ndjson'), '{"id":3,"name":"c"}\n')
    expect((await readRows(dir, { path: 'logs/**/*.jsonl' })).rows.map((r) => r[0])).toEqual([1n, 2n])
    expect((await readRows(dir, { path: 'logs/**/*.{jsonl,ndjson}' })).rows.map((r) => r[0])).toEqual([1n, 3n, 2n])
    expect((await readRows(dir, { path: 'logs/*.jsonl' })).rows.map((r) => r[0])).toEqual([1n])
  })

  it('reads gzip and zstd files, by extension and by option', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'a.csv.gz'), gzipSync('id,name\n1,a\n'))
    await writeFile(
      join(dir, 'b.jsonl.zst'),
      Buffer.from('KLUv/QRYDQEAyHsiaWQiOjEsIm5hbWUiOiJhIn0KMmIifQoCAKAIN0wmF50q+g==', 'base64'),
    )
    await writeFile(join(dir, 'c.data'), gzipSync('{"id":3,"name":"c"}\n'))
    expect((await readRows(dir, { path: 'a.csv.gz' })).rows).toEqual([[1n, 'a']])
    expect((await readRows(dir, { path: 'b.jsonl.zst' })).rows).toEqual([
      [1n, 'a'],
      [2n, 'b'],
    ])
    expect((await readRows(dir, { path: 'c.data', format: 'jsonl', compression: 'gzip' })).rows).toEqual([[3n, 'c']])
  })

  it('reads a JSON array file and CSV without a header', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'a.json'), '[\n {"id": 1, "name": "a"},\n {"id": 2, "name": "b"}\n]\n')
    await writeFile(join(dir, 'b.csv'), '1,a\n2,b\n')
    expect((await readRows(dir, { path: 'a.json' })).rows).toHaveLength(2)
    expect((await readRows(dir, { path: 'b.csv', format: 'csv_no_header' })).rows).toEqual([
      [1n, 'a'],
      [2n, 'b'],
    ])
    expect((await readRows(dir, { path: 'b.csv', has_headers: 'false' })).rows).toHaveLength(2)
  })

  it('resumes from a position with no row lost or repeated, in plain, quoted-newline and gzip files', async () => {
    const dir = await tempDir()
    const lines = Array.from({ length: 25 }, (_, i) => `${i},"name ${i}${i % 4 === 0 ? '\nwith a line break' : ''}"`)
    const text = `id,name\n${lines.join('\n')}\n`
    await mkdir(join(dir, 'multi'))
    await writeFile(join(dir, 'multi', 'a.csv'), text)
    await writeFile(
      join(dir, 'multi', 'b.csv.gz'),
      gzipSync(text.replace(/^(\d+),/gm, (_m, n) => `${Number(n) + 100},`)),
    )
    const all = await readRows(dir, { path: 'multi', format: 'csv' })
    expect(all.rows).toHaveLength(50)
    for (let stopAfter = 1; stopAfter < 25; stopAfter += 3) {
      const { src } = source(dir, { path: 'multi', format: 'csv' })
      await src.open()
      const first = await src.createReader({ schema: S, batchSize: 2 })
      const seen = []
      let position: Position = null
      for (let i = 0; i < stopAfter; i++) {
        const r = await first.read()
        if (r.kind !== 'batch') break
        seen.push(...r.batch.rows)
        position = r.position
      }
      // The first reader is dropped without closing, as a killed process would.
      const rest = await readRows(dir, { path: 'multi', format: 'csv' }, S, position)
      expect([...seen, ...rest.rows]).toEqual(all.rows)
    }
  })

  it('keeps line numbers of bad records after a resume', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'in.csv'), 'id,name\n1,"a\nb"\n2,b\nx,bad\n')
    const first = await readRows(dir, { path: 'in.csv', batch_size: '1' })
    expect(first.bad[0]!.position).toEqual({ file: join(dir, 'in.csv'), line: 5, byte: 20 })
    const { src, ctx } = source(dir, { path: 'in.csv' })
    const reader = await src.createReader({ schema: S, batchSize: 1 })
    const r = await reader.read()
    expect(r.kind).toBe('batch')
    await readAll(await src.createReader({ schema: S, batchSize: 1, from: r.position }))
    expect(ctx.bad[0]!.position).toEqual({ file: join(dir, 'in.csv'), line: 5, byte: 20 })
  })

  it('hands bad records to the policy with file, line, byte and raw text, and moves past them', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'in.jsonl'), '{"id":1,"name":"a"}\n{"id":oops}\n{"id":"x"}\n{"id":4,"name":"d"}\n')
    const { rows, bad, position } = await readRows(dir, { path: 'in.jsonl' })
    expect(rows).toEqual([
      [1n, 'a'],
      [4n, 'd'],
    ])
    expect(bad.map((b) => [b.origin, b.position, b.raw, b.error.code])).toEqual([
      ['input', { file: join(dir, 'in.jsonl'), line: 2, byte: 20 }, '{"id":oops}', 'FERRIS_RECORD_MALFORMED'],
      ['input', { file: join(dir, 'in.jsonl'), line: 3, byte: 32 }, '{"id":"x"}', 'FERRIS_TYPE_CONVERSION'],
    ])
    expect(position).toEqual({ files: { 'in.jsonl': { offset: 63, line: 5, done: true } } })
  })

  it('stops with the bad record error under the fail policy', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'in.csv'), 'id,name\n1,a\n2,b,c\n')
    const { src } = source(dir, { path: 'in.csv' }, 'fail')
    const reader = await src.createReader({ schema: S, batchSize: 10 })
    const error = await reader.read().catch((e: unknown) => e)
    expect(isFerrisError(error) && error.code).toBe('FERRIS_RECORD_MALFORMED')
    expect((error as Error).message).toContain(`${join(dir, 'in.csv')}, line 3, byte 12`)
  })

  it('discovers the schema of the first file', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'in.csv'), 'id,price,day\n1,2.5,2024-01-01\n')
    const { src } = source(dir, { path: 'in.csv' })
    expect((await src.discoverSchema())?.toString()).toBe('id INT, price DOUBLE, day DATE')
  })

  it('fails to open a missing file, saying where it looked and what to do', async () => {
    const dir = await tempDir()
    const { src } = source(dir, { path: 'missing.csv' })
    const error = await src.open().catch((e: unknown) => e)
    expect(isFerrisError(error) && error.code).toBe('FERRIS_NOT_FOUND')
    expect(isFerrisError(error) && error.describe()).toContain(`relative paths start at ${dir}`)
  })

  it('fails on a path whose format cannot be told', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'in.bin'), 'x')
    const { src } = source(dir, { path: 'in.bin' })
    await expect(src.open()).rejects.toThrow(/Cannot tell the format of "in.bin"/)
  })
})

describe('[file] source with watch', () => {
  async function next(reader: DataReader) {
    return reader.read()
  }

  it('follows a growing file, leaving an unfinished last line until it is complete', async () => {
    const dir = await tempDir()
    const file = join(dir, 'live.csv')
    await writeFile(file, 'id,name\n1,a\n2,')
    const { src, ctx } = source(dir, { path: 'live.csv', watch: 'true', poll_interval: '10ms' })
    expect(src.capabilities.bounded).toBe(false)
    await src.open()
    const reader = await src.createReader({ schema: S, batchSize: 100 })
    const r1 = await next(reader)
    expect(r1.kind === 'batch' && r1.batch.rows).toEqual([[1n, 'a']])
    expect((await next(reader)).kind).toBe('idle')
    await writeFile(file, 'id,name\n1,a\n2,b\n3,c\n')
    const r2 = await next(reader)
    expect(r2.kind === 'batch' && r2.batch.rows).toEqual([
      [2n, 'b'],
      [3n, 'c'],
    ])
    expect(reader.hasMore()).toBe(true)
    expect(ctx.bad).toEqual([])
    await reader.close()
  })

  it('picks up new files in a directory and re-reads a truncated file from the start', async () => {
    const dir = await tempDir()
    await mkdir(join(dir, 'in'))
    const { src } = source(dir, { path: 'in', format: 'jsonl', watch: 'true', poll_interval: '10ms' })
    await src.open()
    const reader = await src.createReader({ schema: S, batchSize: 100 })
    expect((await next(reader)).kind).toBe('idle')
    await writeFile(join(dir, 'in', 'a.jsonl'), '{"id":1}\n{"id":2}\n')
    const r1 = await next(reader)
    expect(r1.kind === 'batch' && r1.batch.rows.map((r) => r[0])).toEqual([1n, 2n])
    await writeFile(join(dir, 'in', 'b.jsonl'), '{"id":3}\n')
    const r2 = await next(reader)
    expect(r2.kind === 'batch' && r2.batch.rows.map((r) => r[0])).toEqual([3n])
    await writeFile(join(dir, 'in', 'a.jsonl'), '{"id":9}\n')
    const r3 = await next(reader)
    expect(r3.kind === 'batch' && r3.batch.rows.map((r) => r[0])).toEqual([9n])
    await reader.close()
  })

  it('returns promptly when the job stops', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'x.csv'), 'id,name\n')
    const { src, ctx } = source(dir, { path: 'x.csv', watch: 'true', poll_interval: '1h' })
    const reader = await src.createReader({ schema: S, batchSize: 10 })
    const started = Date.now()
    setTimeout(() => ctx.controller.abort(), 50)
    expect((await next(reader)).kind).toBe('idle')
    expect(Date.now() - started).toBeLessThan(5000)
  })
})
