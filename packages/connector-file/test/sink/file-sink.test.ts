import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { batchOf, type DataSink, Decimal, isFerrisError, type Row, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { registry, tempDir, testContext } from '../helpers.js'

const S = Schema.of(['id', T.int64], ['amount', T.decimal(10, 2)], ['dt', T.date])
const row = (id: number, dt = 19723): Row => [BigInt(id), new Decimal(BigInt(id * 100 + 5), 2), dt]
const rows = (from: number, to: number, dt?: number) => Array.from({ length: to - from }, (_, i) => row(from + i, dt))

function sink(dir: string, properties: Record<string, string>): DataSink {
  return registry().createSink(
    { name: 'out', role: 'sink', properties: { type: 'file_sink', ...properties } },
    testContext(dir, 'out'),
  )
}

async function writer(dir: string, properties: Record<string, string>, jobId = 'job') {
  const s = sink(dir, properties)
  await s.open()

  return s.createWriter({ schema: S, jobId })
}

/** The files a reader of `dir` sees: not hidden, relative, sorted. */
async function visible(dir: string): Promise<string[]> {
  return (await tree(dir)).filter((f) => !f.split('/').some((segment) => segment.startsWith('.')))
}

/** The first column of each data line of a CSV text. */
const ids = (csv: string) =>
  csv
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0])

/** Every file under `dir`, relative, sorted, hidden ones included. */
async function tree(dir: string): Promise<string[]> {
  return (
    (await readdir(dir, { recursive: true, withFileTypes: true })) as Array<{
      name: string
      parentPath: string
      isFile(): boolean
    }>
  )
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort()
}

describe('[file] sink to one file', () => {
  it('publishes exactly the named file on commit, header first, and appends on later commits', async () => {
    const dir = await tempDir()
    const w = await writer(dir, { path: './totals.csv' })
    await w.write(batchOf(S, rows(1, 3)))
    await w.commit({ checkpointId: 1, positions: {} })
    expect(await readFile(join(dir, 'totals.csv'), 'utf8')).toBe('id,amount,dt\n1,1.05,2024-01-01\n2,2.05,2024-01-01\n')
    await w.write(batchOf(S, rows(3, 4)))
    await w.commit({ checkpointId: 2, positions: {} })
    await w.close()
    expect(await readFile(join(dir, 'totals.csv'), 'utf8')).toBe(
      'id,amount,dt\n1,1.05,2024-01-01\n2,2.05,2024-01-01\n3,3.05,2024-01-01\n',
    )
    expect(await tree(dir)).toEqual(['.totals.csv.ferris.json', 'totals.csv'])
  })

  it('publishes nothing under the name until commit: a killed job leaves only a hidden file', async () => {
    const dir = await tempDir()
    const w = await writer(dir, { path: 'out.jsonl' })
    await w.write(batchOf(S, rows(1, 1000)))
    await w.flush()
    // Killed here: no commit, no close.
    const files = await tree(dir)
    expect(files).not.toContain('out.jsonl')
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/^\.out\.jsonl\.inprogress-/)
  })

  it('keeps the previous complete file visible while the next commit is being written', async () => {
    const dir = await tempDir()
    const w = await writer(dir, { path: 'out.csv' })
    await w.write(batchOf(S, rows(1, 2)))
    await w.commit({ checkpointId: 1, positions: {} })
    const before = await readFile(join(dir, 'out.csv'), 'utf8')
    await w.write(batchOf(S, rows(2, 500)))
    await w.flush()
    expect(await readFile(join(dir, 'out.csv'), 'utf8')).toBe(before)
    await w.rollback()
    await w.commit({ checkpointId: 2, positions: {} })
    expect(await readFile(join(dir, 'out.csv'), 'utf8')).toBe(before)
  })

  it('gives back the positions of its last commit, and a resumed job continues the file', async () => {
    const dir = await tempDir()
    const a = await writer(dir, { path: 'out.csv' })
    expect(await a.committedPositions!()).toBeUndefined()
    await a.write(batchOf(S, rows(1, 3)))
    await a.commit({ checkpointId: 1, positions: { in: { offset: 10 } } })
    await a.write(batchOf(S, rows(3, 5)))
    await a.commit({ checkpointId: 2, positions: { in: { offset: 20 } } })
    await a.write(batchOf(S, rows(5, 7)))
    // Killed here with rows 5 and 6 uncommitted; the restarted job resumes from the sink's positions.
    const b = await writer(dir, { path: 'out.csv' })
    expect(await b.committedPositions!()).toEqual({ in: { offset: 20 } })
    // The checkpoint id comes with them, so the job can tell which of its saved states the output belongs to.
    expect(await b.committedCheckpoint!()).toEqual({ checkpointId: 2, positions: { in: { offset: 20 } } })
    await b.write(batchOf(S, rows(5, 7)))
    await b.commit({ checkpointId: 2, positions: { in: { offset: 30 } } })
    expect(ids(await readFile(join(dir, 'out.csv'), 'utf8'))).toEqual(['1', '2', '3', '4', '5', '6'])
    // The killed writer's in-progress file is gone too.
    expect(await tree(dir)).toEqual(['.out.csv.ferris.json', 'out.csv'])
  })

  it('drops what a run published after its last logged commit (killed between rename and log)', async () => {
    const dir = await tempDir()
    const a = await writer(dir, { path: 'out.csv' })
    await a.write(batchOf(S, rows(1, 3)))
    await a.commit({ checkpointId: 1, positions: { in: 1 } })
    const logAfterFirst = await readFile(join(dir, '.out.csv.ferris.json'))
    await a.write(batchOf(S, rows(3, 5)))
    await a.commit({ checkpointId: 2, positions: { in: 2 } })
    await writeFile(join(dir, '.out.csv.ferris.json'), logAfterFirst)
    const b = await writer(dir, { path: 'out.csv' })
    expect(await b.committedPositions!()).toEqual({ in: 1 })
    await b.write(batchOf(S, rows(3, 5)))
    await b.commit({ checkpointId: 2, positions: { in: 2 } })
    expect(ids(await readFile(join(dir, 'out.csv'), 'utf8'))).toEqual(['1', '2', '3', '4'])
  })

  it('starts the file over for a fresh run, even when checkpoint ids continue', async () => {
    const dir = await tempDir()
    const a = await writer(dir, { path: 'out.csv' })
    await a.write(batchOf(S, rows(1, 3)))
    await a.commit({ checkpointId: 1, positions: {} })
    const b = await writer(dir, { path: 'out.csv' })
    await b.write(batchOf(S, rows(7, 8)))
    await b.commit({ checkpointId: 2, positions: {} })
    expect(ids(await readFile(join(dir, 'out.csv'), 'utf8'))).toEqual(['7'])
  })

  it('starts the file over for a fresh job, and publishes a header-only file when there are no rows', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'out.csv'), 'old content\n')
    const w = await writer(dir, { path: 'out.csv' })
    await w.commit({ checkpointId: 1, positions: {} })
    expect(await readFile(join(dir, 'out.csv'), 'utf8')).toBe('id,amount,dt\n')
  })

  it('writes gzip that gunzip reads whole across commits', async () => {
    const dir = await tempDir()
    const w = await writer(dir, { path: 'out.csv.gz' })
    await w.write(batchOf(S, rows(1, 2)))
    await w.commit({ checkpointId: 1, positions: {} })
    await w.write(batchOf(S, rows(2, 3)))
    await w.commit({ checkpointId: 2, positions: {} })
    expect(gunzipSync(await readFile(join(dir, 'out.csv.gz'))).toString()).toBe(
      'id,amount,dt\n1,1.05,2024-01-01\n2,2.05,2024-01-01\n',
    )
  })

  it('says one file commits all or nothing and a directory does not', () => {
    expect(sink('/tmp', { path: 'out.csv' }).capabilities).toEqual({
      transactions: true,
      upsert: false,
      idempotent: true,
      storesPositions: true,
    })
    expect(sink('/tmp', { path: 'out/', format: 'csv' }).capabilities.transactions).toBe(false)
  })

  it('refuses one JSON array file and zstd output with pointed errors', async () => {
    const dir = await tempDir()
    const error = await sink(dir, { path: 'out.json' })
      .open()
      .catch((e: unknown) => e)
    expect(isFerrisError(error) && error.describe()).toContain('Use format jsonl for a single file')
    // Known from the options alone: refused when the sink is created (so `ferris validate` refuses it too).
    expect(() => sink(dir, { path: 'out.csv.zst' })).toThrow(/cannot write zstd/)
  })
})

describe('[file] sink to a directory', () => {
  it('publishes one part per commit with names from the job and checkpoint, in read-back order', async () => {
    const dir = await tempDir()
    const w = await writer(dir, { path: 'out/', format: 'jsonl' }, 'my job')
    await w.write(batchOf(S, rows(1, 3)))
    await w.commit({ checkpointId: 1, positions: {} })
    await w.commit({ checkpointId: 2, positions: {} })
    await w.write(batchOf(S, rows(3, 4)))
    await w.commit({ checkpointId: 3, positions: {} })
    expect(await visible(join(dir, 'out'))).toEqual([
      'part-my_job-0b64d7ce-00000001-0000.jsonl',
      'part-my_job-0b64d7ce-00000003-0000.jsonl',
    ])
    expect(await readFile(join(dir, 'out', 'part-my_job-0b64d7ce-00000003-0000.jsonl'), 'utf8')).toBe(
      '{"id":3,"amount":3.05,"dt":"2024-01-01"}\n',
    )
  })

  it('rolls parts by record count, and by size', async () => {
    const dir = await tempDir()
    const w = await writer(dir, { path: 'out', format: 'csv', max_records: '2' })
    await w.write(batchOf(S, rows(1, 6)))
    await w.commit({ checkpointId: 7, positions: {} })
    const parts = await visible(join(dir, 'out'))
    expect(parts).toEqual(['part-job-00000007-0000.csv', 'part-job-00000007-0001.csv', 'part-job-00000007-0002.csv'])
    expect(await readFile(join(dir, 'out', parts[2]!), 'utf8')).toBe('id,amount,dt\n5,5.05,2024-01-01\n')
    const bySize = await writer(dir, { path: 'sized', format: 'jsonl', max_bytes: '100' })
    for (let i = 0; i < 10; i++) await bySize.write(batchOf(S, [row(i)]))
    await bySize.commit({ checkpointId: 1, positions: {} })
    const sized = await visible(join(dir, 'sized'))
    expect(sized.length).toBeGreaterThan(2)
    const all = (await Promise.all(sized.map((f) => readFile(join(dir, 'sized', f), 'utf8')))).join('')
    expect(all.trim().split('\n')).toHaveLength(10)
  })

  it('rolls parts by age, publishing them all at the commit', async () => {
    const dir = await tempDir()
    const w = await writer(dir, { path: 'out', format: 'csv', max_age: '20ms' })
    await w.write(batchOf(S, rows(1, 2)))
    await new Promise((resolve) => setTimeout(resolve, 40))
    await w.write(batchOf(S, rows(2, 3)))
    expect(await tree(join(dir, 'out'))).toHaveLength(2)
    expect((await tree(join(dir, 'out'))).every((f) => f.startsWith('.part-job.inprogress-'))).toBe(true)
    await w.commit({ checkpointId: 1, positions: {} })
    expect(await visible(join(dir, 'out'))).toEqual(['part-job-00000001-0000.csv', 'part-job-00000001-0001.csv'])
  })

  it('partitions into Hive-style directories by column values, NULL as the Hive default partition', async () => {
    const dir = await tempDir()
    const w = await writer(dir, { path: 'out', format: 'csv', partition_by: 'dt' })
    await w.write(batchOf(S, [row(1, 19723), row(2, 19724), row(3, 19723), [4n, null, null]]))
    await w.commit({ checkpointId: 1, positions: {} })
    expect(await visible(join(dir, 'out'))).toEqual([
      'dt=2024-01-01/part-job-00000001-0000.csv',
      'dt=2024-01-02/part-job-00000001-0001.csv',
      'dt=__HIVE_DEFAULT_PARTITION__/part-job-00000001-0002.csv',
    ])
    expect(await readFile(join(dir, 'out', 'dt=2024-01-01', 'part-job-00000001-0000.csv'), 'utf8')).toBe(
      'id,amount,dt\n1,1.05,2024-01-01\n3,3.05,2024-01-01\n',
    )
  })

  it('on resuming, removes parts a killed run published after its last logged commit, and its in-progress files', async () => {
    const dir = await tempDir()
    const a = await writer(dir, { path: 'out', format: 'csv', max_records: '1' })
    await a.write(batchOf(S, rows(1, 2)))
    await a.commit({ checkpointId: 1, positions: { in: 1 } })
    const log = join(dir, 'out', '.ferris-job.json')
    const logAfterFirst = await readFile(log)
    await a.write(batchOf(S, rows(2, 5)))
    await a.commit({ checkpointId: 2, positions: { in: 4 } })
    await a.write(batchOf(S, rows(5, 6)))
    await a.flush()
    // Killed after renaming checkpoint 2's parts but before logging it; the job resumes from commit 1.
    await writeFile(log, logAfterFirst)
    const b = await writer(dir, { path: 'out', format: 'csv', max_records: '1' })
    expect(await b.committedPositions!()).toEqual({ in: 1 })
    expect(await b.committedCheckpoint!()).toEqual({ checkpointId: 1, positions: { in: 1 } })
    await b.write(batchOf(S, rows(2, 4)))
    await b.commit({ checkpointId: 2, positions: { in: 3 } })
    expect(await tree(join(dir, 'out'))).toEqual([
      '.ferris-job.json',
      'part-job-00000001-0000.csv',
      'part-job-00000002-0000.csv',
      'part-job-00000002-0001.csv',
    ])
  })

  it('numbers commits above earlier ones, so a fresh run (or a host behind the log) never overwrites a part', async () => {
    const dir = await tempDir()
    const a = await writer(dir, { path: 'out', format: 'csv' })
    await a.write(batchOf(S, rows(1, 2)))
    await a.commit({ checkpointId: 5, positions: {} })
    const b = await writer(dir, { path: 'out', format: 'csv' })
    await b.write(batchOf(S, rows(2, 3)))
    await b.commit({ checkpointId: 1, positions: {} })
    expect(await tree(join(dir, 'out'))).toEqual([
      '.ferris-job.json',
      'part-job-00000005-0000.csv',
      'part-job-00000006-0000.csv',
    ])
  })

  it('leaves other jobs’ parts alone and discards uncommitted rows on rollback and close', async () => {
    const dir = await tempDir()
    const other = await writer(dir, { path: 'out', format: 'csv' }, 'other')
    await other.write(batchOf(S, rows(1, 2)))
    await other.commit({ checkpointId: 5, positions: {} })
    const w = await writer(dir, { path: 'out', format: 'csv' })
    await w.write(batchOf(S, rows(1, 2)))
    await w.rollback()
    await w.commit({ checkpointId: 1, positions: {} })
    await w.write(batchOf(S, rows(1, 2)))
    await w.close()
    expect(await visible(join(dir, 'out'))).toEqual(['part-other-00000005-0000.csv'])
  })

  it('writes JSON array parts that JSON.parse reads', async () => {
    const dir = await tempDir()
    const w = await writer(dir, { path: 'out', format: 'json' })
    await w.write(batchOf(S, rows(1, 3)))
    await w.commit({ checkpointId: 1, positions: {} })
    const parsed = JSON.parse(await readFile(join(dir, 'out', 'part-job-00000001-0000.json'), 'utf8'))
    expect(parsed).toEqual([
      { id: 1, amount: 1.05, dt: '2024-01-01' },
      { id: 2, amount: 2.05, dt: '2024-01-01' },
    ])
  })

  it('needs a format for a directory and a partition column that exists', async () => {
    const dir = await tempDir()
    expect(() => sink(dir, { path: 'out/' })).toThrow(/names no format/)
    const s = sink(dir, { path: 'out', format: 'csv', partition_by: 'nope' })
    await s.open()
    await expect(s.validateSchema(S)).rejects.toThrow(/Partition column "nope" is not in the output/)
  })
})
