import { type ChildProcess, spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  S3Client,
} from '@aws-sdk/client-s3'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireServices, S3, S3_BUCKET, S3_ENDPOINT, uniqueName } from './e2e-services.js'
import { FERRIS_BIN } from './run-cli.js'

/**
 * `ferris run` copying a local CSV file into S3 objects (rolled every few thousand rows, a commit every 50 ms),
 * killed with SIGKILL several times at seeded random moments while objects appear, and started again each
 * time: in the end every id of the file must be in exactly one visible object, and no other object (nothing
 * half-written, nothing of a run that was killed) may be visible under the prefix.
 *
 * A kill rarely lands in the window that matters most, between the sink making checkpoint N's objects visible
 * and the job's checkpoint file being replaced (a few milliseconds). So some kills (chosen by the seed) also put
 * back a checkpoint file saved earlier in that run, as if the kill had landed in that window several commits
 * later: the restarted job replays from there and its first commit must remove the objects of the checkpoints
 * it replays. Set FERRIS_TEST_SEED to replay a run; the seed is printed.
 */
const SEED = Number(process.env.FERRIS_TEST_SEED ?? randomInt(1, 2 ** 31))
// Enough rows that the last kill lands mid-stream on a fast, idle machine: with 200,000 a restarted job once
// finished the rest (180,000 rows) in the 150 ms a kill may wait.
const ROWS = 800_000
const KILLS = 4

const s3 = new S3Client({
  endpoint: S3_ENDPOINT,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'ferris', secretAccessKey: 'ferris-secret' },
})
const prefixes: string[] = []
const dirs: string[] = []
const children = new Set<ChildProcess>()

beforeAll(async () => {
  console.log(`e2e-s3-exactly-once-kill: seed ${SEED} (FERRIS_TEST_SEED=${SEED} replays it)`)
  await requireServices('s3')
})

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL')
  for (const prefix of prefixes) {
    const keys = await listKeys(prefix).catch(() => [])
    for (let i = 0; i < keys.length; i += 1000) {
      const Objects = keys.slice(i, i + 1000).map((Key) => ({ Key }))
      await s3.send(new DeleteObjectsCommand({ Bucket: S3_BUCKET, Delete: { Objects } })).catch(() => {})
    }
  }
  s3.destroy()
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

/** mulberry32: a small seeded generator, so a failing run's kill moments can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = []
  let token: string | undefined
  do {
    const page: ListObjectsV2CommandOutput = await s3.send(
      new ListObjectsV2Command({ Bucket: S3_BUCKET, Prefix: prefix, ContinuationToken: token }),
    )
    for (const o of page.Contents ?? []) keys.push(o.Key!)
    token = page.NextContinuationToken
  } while (token !== undefined)

  return keys.sort()
}

interface Run {
  readonly child: ChildProcess
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  log(): string
}

function start(dir: string): Run {
  let log = ''
  const child = spawn(process.execPath, [FERRIS_BIN, 'run', 'app.sql'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  child.stdout!.on('data', (d) => {
    log += d
  })
  child.stderr!.on('data', (d) => {
    log += d
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child)
      resolve({ code, signal })
    }),
  )

  return { child, exited, log: () => log }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Waits until at least `n` objects are visible under the prefix, failing when ferris exits or 30 s pass. */
async function waitForObjects(run: Run, prefix: string, n: number): Promise<void> {
  const until = Date.now() + 30_000
  let exited = false
  void run.exited.then(() => {
    exited = true
  })
  while ((await listKeys(prefix)).length < n) {
    if (exited || Date.now() > until) {
      throw new Error(
        `${exited ? 'ferris exited' : 'timed out'} waiting for ${n} objects under ${prefix} (seed ${SEED}); ferris said:\n${run.log().slice(-2000)}`,
      )
    }
    await sleep(20)
  }
}

/** Every row of the objects under `prefix`, read back by DuckDB from downloaded copies. */
async function readBack(prefix: string, keys: readonly string[], format: 'jsonl' | 'parquet', dir: string) {
  const local = join(dir, 'downloaded')
  await mkdir(local, { recursive: true })
  for (const key of keys) {
    const body = await (
      await s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: key }))
    ).Body!.transformToByteArray()
    await writeFile(join(local, key.slice(prefix.length)), body)
  }
  const db = await (await DuckDBInstance.create(':memory:')).connect()
  const from =
    format === 'parquet'
      ? `read_parquet('${local}/*.parquet')`
      : `read_json('${local}/*.jsonl', format = 'newline_delimited', columns = {id: 'BIGINT', v: 'VARCHAR'})`
  const r = await db.runAndReadAll(
    `SELECT count(*)::BIGINT AS rows, count(DISTINCT id)::BIGINT AS ids, min(id)::BIGINT AS lo, max(id)::BIGINT AS hi,
            count(*) FILTER (WHERE v <> 'row ' || id)::BIGINT AS wrong FROM ${from}`,
  )
  db.closeSync()

  return r.getRowObjectsJson()[0]
}

describe('[s3] ferris run killed with SIGKILL, exactly-once into S3 objects', () => {
  for (const format of ['jsonl', 'parquet'] as const) {
    it(`${format}: every id of the file is in exactly one visible object after ${KILLS} kills mid-stream`, async () => {
      const random = seeded(SEED + (format === 'parquet' ? 1 : 0))
      const dir = await mkdtemp(join(tmpdir(), 'ferris-s3-kill-'))
      dirs.push(dir)
      const prefix = `${uniqueName(`e2e_s3_kill_${format}`)}/`
      prefixes.push(prefix)
      const lines = ['id,v']
      for (let i = 1; i <= ROWS; i++) lines.push(`${i},row ${i}`)
      await writeFile(join(dir, 'in.csv'), `${lines.join('\n')}\n`)
      const sink = S3.replace('s3://ferris/?', `s3://ferris/${prefix}?`)
      await writeFile(
        join(dir, 'app.sql'),
        `CREATE STREAM copied AS SELECT id, v FROM input
         WITH ('input.type' = 'file_source', 'input.path' = './in.csv', 'input.format' = 'csv', 'input.batch_size' = '1000',
               'copied.uri' = '${sink}&format=${format}&max_records=7000&row_group_size=2000',
               'job.checkpoint.interval' = '50ms');`,
      )
      const checkpointFile = join(dir, '.ferris', 'checkpoints', 'copied', 'checkpoint.json')

      const kills: string[] = []
      let seen = 0
      for (let k = 0; k < KILLS; k++) {
        const run = start(dir)
        // Progress first (a new object), so each run moves on; then a checkpoint file to put back, maybe.
        await waitForObjects(run, prefix, seen + 1)
        const rewind = random() < 0.5
        const saved = rewind ? await readFile(checkpointFile, 'utf8').catch(() => undefined) : undefined
        if (rewind) await waitForObjects(run, prefix, seen + 3)
        await sleep(Math.floor(random() * 150))
        run.child.kill('SIGKILL')
        const exit = await run.exited
        // Killed mid-stream, not after the job had finished.
        expect(exit, run.log().slice(-2000)).toEqual({ code: null, signal: 'SIGKILL' })
        seen = (await listKeys(prefix)).length
        if (rewind) {
          if (saved === undefined) await rm(checkpointFile, { force: true })
          else await writeFile(checkpointFile, saved)
        }
        kills.push(`${seen} objects${rewind ? `, checkpoint ${saved === undefined ? 'removed' : 'put back'}` : ''}`)
      }
      const last = start(dir)
      const exit = await last.exited
      expect(exit, last.log().slice(-2000)).toEqual({ code: 0, signal: null })
      console.log(
        `e2e-s3-exactly-once-kill ${format} (seed ${SEED}): at the kills ${kills.join('; ')}; ${(await listKeys(prefix)).length} objects at the end`,
      )

      const keys = await listKeys(prefix)
      expect(await readBack(prefix, keys, format, dir), `seed ${SEED}`).toEqual({
        rows: String(ROWS),
        ids: String(ROWS),
        lo: '1',
        hi: String(ROWS),
        wrong: '0',
      })
      // Only finished objects with the sink's names; no unfinished upload left behind.
      expect(keys.length).toBeGreaterThan(ROWS / 7000)
      for (const key of keys) expect(key).toMatch(new RegExp(`^${prefix}part-copied-\\d{8}-\\d{4}\\.${format}$`))
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: S3_BUCKET, Prefix: prefix }))
      expect(uploads.Uploads ?? []).toEqual([])
    }, 90_000)
  }
})
