import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { batchOf, Decimal, type Position, type Row, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { readAll, registry, tempDir, testContext } from './helpers.js'

const S = Schema.of(['id', T.int64], ['amount', T.decimal(20, 2)], ['at', T.timestamp('us', 'UTC')], ['note', T.string])
const row = (i: number): Row => [
  BigInt(i) * 1_000_000_007n,
  new Decimal(BigInt(i) * 101n, 2),
  1_704_067_200_000_000_000n + BigInt(i) * 1000n,
  i % 3 === 0 ? null : `n${i}`,
]
const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => row(from + i))

async function writer(dir: string, properties: Record<string, string>, jobId = 'job') {
  const s = registry().createSink(
    { name: 'out', role: 'sink', properties: { type: 'file_sink', ...properties } },
    testContext(dir, 'out'),
  )
  await s.open()

  return s.createWriter({ schema: S, jobId })
}

async function read(dir: string, path: string, from?: Position, batchSize = 1000) {
  const src = registry().createSource(
    { name: 'in', role: 'source', properties: { type: 'file_source', path } },
    testContext(dir, 'in'),
  )
  await src.open()
  const reader = await src.createReader({ schema: S, batchSize, ...(from === undefined ? {} : { from }) })

  return { src, ...(await readAll(reader)) }
}

describe('[file] Parquet', () => {
  it('writes one Parquet file on commit and reads it back exactly, with its schema discovered', async () => {
    const dir = await tempDir()
    const w = await writer(dir, { path: 'out.parquet' })
    await w.write(batchOf(S, rows(0, 500)))
    await w.commit({ checkpointId: 1, positions: {} })
    expect((await readdir(dir)).sort()).toEqual(['.out.parquet.ferris.json', 'out.parquet'])
    const back = await read(dir, 'out.parquet')
    expect(back.rows).toEqual(rows(0, 500))
    expect((await back.src.discoverSchema())?.toString()).toContain('id BIGINT, amount DECIMAL(20, 2)')
  })

  it('rewrites the file when a later commit adds rows, and drops rows published after the last logged commit', async () => {
    const dir = await tempDir()
    const a = await writer(dir, { path: 'out.parquet', row_group_size: '64' })
    await a.write(batchOf(S, rows(0, 100)))
    await a.commit({ checkpointId: 1, positions: { in: 100 } })
    const logAfterFirst = await readFile(join(dir, '.out.parquet.ferris.json'))
    await a.write(batchOf(S, rows(100, 150)))
    await a.commit({ checkpointId: 2, positions: { in: 150 } })
    expect((await read(dir, 'out.parquet')).rows).toEqual(rows(0, 150))
    // Killed after renaming checkpoint 2's file but before logging it: the job resumes from commit 1.
    await writeFile(join(dir, '.out.parquet.ferris.json'), logAfterFirst)
    const b = await writer(dir, { path: 'out.parquet' })
    expect(await b.committedPositions!()).toEqual({ in: 100 })
    await b.write(batchOf(S, rows(100, 150)))
    await b.commit({ checkpointId: 2, positions: { in: 150 } })
    expect((await read(dir, 'out.parquet')).rows).toEqual(rows(0, 150))
  })

  it('resumes reading from a row position', async () => {
    const dir = await tempDir()
    const w = await writer(dir, { path: 'out', format: 'parquet', row_group_size: '30' })
    await w.write(batchOf(S, rows(0, 100)))
    await w.commit({ checkpointId: 1, positions: {} })
    const src = registry().createSource(
      { name: 'in', role: 'source', properties: { type: 'file_source', path: 'out' } },
      testContext(dir, 'in'),
    )
    const reader = await src.createReader({ schema: S, batchSize: 7 })
    const first = []
    let position: Position = null
    for (let i = 0; i < 6; i++) {
      const r = await reader.read()
      if (r.kind === 'batch') first.push(...r.batch.rows)
      position = r.position
    }
    expect(Object.values((position as { files: Record<string, unknown> }).files)[0]).toEqual({
      offset: 42,
      line: 1,
      done: false,
      unit: 'row',
    })
    const rest = await read(dir, 'out', position)
    expect([...first, ...rest.rows]).toEqual(rows(0, 100))
  })

  it('reports Parquet rows that do not fit the schema one by one at { file, row } and hands over the rest, never twice across a resume', async () => {
    // The Parquet reader returns the rows whose values do not fit beside the good ones of each batch; the source
    // reports each and moves its row position past it. Before, one such value failed the whole read, whatever
    // the job's bad-record policy.
    const dir = await tempDir()
    const w = await writer(dir, { path: 'out.parquet', row_group_size: '30' })
    const tooWide = (i: number) => i % 10 === 4
    const written = rows(0, 100).map(
      (r, i): Row => (tooWide(i) ? [r[0]!, new Decimal(100_000_000n + BigInt(i), 2), r[2]!, r[3]!] : r),
    )
    await w.write(batchOf(S, written))
    await w.commit({ checkpointId: 1, positions: {} })
    const narrow = new Schema(S.fields.map((f) => (f.name === 'amount' ? { ...f, type: T.decimal(6, 2) } : f)))
    const source = (ctx: ReturnType<typeof testContext>) =>
      registry().createSource(
        { name: 'in', role: 'source', properties: { type: 'file_source', path: 'out.parquet' } },
        ctx,
      )

    // Stop after three batches of 7 good rows (23 file rows: 21 good, bad rows 4 and 14), then resume.
    const first = testContext(dir, 'in')
    const reader = await source(first).createReader({ schema: narrow, batchSize: 7 })
    const got: Row[] = []
    let position: Position = null
    for (let i = 0; i < 3; i++) {
      const r = await reader.read()
      if (r.kind === 'batch') got.push(...r.batch.rows)
      position = r.position
    }
    expect(Object.values((position as { files: Record<string, { offset: number }> }).files)[0]!.offset).toBe(23)
    const second = testContext(dir, 'in')
    got.push(
      ...(await readAll(await source(second).createReader({ schema: narrow, batchSize: 7, from: position }))).rows,
    )

    const good = written.filter((_, i) => !tooWide(i))
    expect(got).toEqual(good)
    const bad = [...first.bad, ...second.bad]
    const file = join(dir, 'out.parquet')
    expect(bad.map((b) => b.position)).toEqual(Array.from({ length: 10 }, (_, k) => ({ file, row: k * 10 + 4 })))
    expect(bad[0]!.error.code).toBe('FERRIS_TYPE_CONVERSION')
    expect(bad[0]!.error.message).toBe(`Value of amount does not fit DECIMAL(6, 2): 1000000.04 in row 4 of ${file}`)
    expect(bad[0]!.values).toEqual({
      id: written[4]![0],
      amount: new Decimal(100_000_004n, 2),
      at: written[4]![2],
      note: 'n4',
    })
    expect(bad[0]!.origin).toBe('in')
  })

  it('fails the read at the first Parquet row that does not fit when the policy is fail', async () => {
    // reportBadRecord throws under `fail`; the source lets that error through with the row it names.
    const dir = await tempDir()
    const w = await writer(dir, { path: 'out.parquet' })
    await w.write(batchOf(S, [row(1), [5n, new Decimal(100_000_000n, 2), row(2)[2]!, null], row(3)]))
    await w.commit({ checkpointId: 1, positions: {} })
    const narrow = new Schema(S.fields.map((f) => (f.name === 'amount' ? { ...f, type: T.decimal(6, 2) } : f)))
    const src = registry().createSource(
      { name: 'in', role: 'source', properties: { type: 'file_source', path: 'out.parquet' } },
      testContext(dir, 'in', 'fail'),
    )
    const reader = await src.createReader({ schema: narrow, batchSize: 10 })
    await expect(reader.read()).rejects.toMatchObject({
      code: 'FERRIS_TYPE_CONVERSION',
      context: expect.objectContaining({ subject: 'amount', location: { file: join(dir, 'out.parquet'), row: 1 } }),
    })
  })

  it('converts a CSV file to Parquet through the plugin', async () => {
    const dir = await tempDir()
    await writeFile(
      join(dir, 'in.csv'),
      'id,amount,at,note\n1,1.50,2024-01-01T00:00:00Z,a\n2,-3.25,2024-01-01T00:00:01.5Z,\n',
    )
    const src = registry().createSource(
      { name: 'in', role: 'source', properties: { type: 'file_source', path: 'in.csv' } },
      testContext(dir, 'in'),
    )
    const { rows: csvRows } = await readAll(await src.createReader({ schema: S, batchSize: 10 }))
    const w = await writer(dir, { path: 'out.parquet', parquet_compression: 'snappy' })
    await w.write(batchOf(S, csvRows))
    await w.commit({ checkpointId: 1, positions: {} })
    expect((await read(dir, 'out.parquet')).rows).toEqual([
      [1n, new Decimal(150n, 2), 1704067200000000000n, 'a'],
      [2n, new Decimal(-325n, 2), 1704067201500000000n, null],
    ])
  })
})
