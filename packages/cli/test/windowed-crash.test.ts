import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { FERRIS_BIN } from './run-cli.js'

/**
 * A windowed aggregation run as a real `ferris run` process, killed with SIGKILL at random moments and
 * restarted from its checkpoint, must publish exactly the rows of a run that was never interrupted: the
 * file sink publishes its files atomically at checkpoints, and the checkpoint holds the source position and
 * the open windows, so a kill between checkpoints repeats that work without losing or doubling a row.
 *
 * The kill schedule comes from a seeded generator (printed; `FERRIS_CRASH_SEED=<n>` replays it). The
 * moments are fractions of the uninterrupted run's wall time, so the schedule adapts to the machine's speed.
 */

const ROWS = 200_000
const KEYS = 500
const TRIALS = 3
const KILLS_PER_TRIAL = 3
const SEED = Number(process.env.FERRIS_CRASH_SEED ?? 20_261_204)

function generator(seed: number): () => number {
  let s = seed % 2_147_483_648
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648
    return s / 2_147_483_648
  }
}

/**
 * Event times advance 20 ms a row, each up to 8 s early (out of order within the 10 s watermark delay), and
 * one row in a thousand 10 minutes early (late: dropped by every window). About 50 of the keys are active in
 * each stretch of 5,000 rows, so sessions (20 s gap) open and close throughout the input.
 */
async function writeInput(path: string): Promise<void> {
  const random = generator(7)
  const lines = ['k,ts,v']
  const base = 1_700_000_000_000
  for (let i = 0; i < ROWS; i++) {
    const block = Math.floor(i / 5000)
    const k = `k${String((block * 37 + Math.floor(random() * 50)) % KEYS).padStart(3, '0')}`
    let ts = base + i * 20 - Math.floor(random() * 8000)
    if (random() < 0.001) ts -= 600_000
    lines.push(`${k},${ts},${i % 1000}`)
  }
  await writeFile(path, `${lines.join('\n')}\n`)
}

const app = (input: string) => `
CREATE STREAM per_minute AS
SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS lo, MAX(v) AS hi
FROM events GROUP BY k WINDOW TUMBLING(ts, INTERVAL '1' MINUTE) EMIT FINAL
WITH ('events.type' = 'file_source', 'events.path' = '${input}', 'events.format' = 'csv',
      'events.schema' = 'k STRING, ts BIGINT, v BIGINT', 'events.watermark.delay' = '10s',
      'events.batch_size' = '1000',
      'per_minute.type' = 'file_sink', 'per_minute.path' = './out/per_minute/', 'per_minute.format' = 'jsonl',
      'job.checkpoint.interval' = '100ms');

CREATE STREAM sessions AS
SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS total
FROM events GROUP BY k WINDOW SESSION(ts, INTERVAL '20' SECOND) EMIT FINAL
WITH ('sessions.type' = 'file_sink', 'sessions.path' = './out/sessions/', 'sessions.format' = 'jsonl',
      'job.checkpoint.interval' = '100ms');
`

interface Run {
  /** Resolves with the exit code, or null when the process died of a signal. */
  readonly exited: Promise<number | null>
  kill(): void
  stderr(): string
}

function start(dir: string): Run {
  const child = spawn(process.execPath, [FERRIS_BIN, 'run', 'app.sql', '--log-format', 'json'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d) => {
    stderr += d
  })
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve(code))
  })

  return { exited, kill: () => child.kill('SIGKILL'), stderr: () => stderr }
}

/** Every published line of both sinks, sorted: files a checkpoint has not published yet start with a dot. */
async function published(dir: string): Promise<Record<'per_minute' | 'sessions', string[]>> {
  const read = async (sink: string) => {
    const folder = join(dir, 'out', sink)
    const names = await readdir(folder).catch(() => [] as string[])
    const lines: string[] = []
    for (const name of names.filter((n) => !n.startsWith('.'))) {
      for (const line of (await readFile(join(folder, name), 'utf8')).split('\n')) if (line !== '') lines.push(line)
    }
    return lines.sort()
  }

  return { per_minute: await read('per_minute'), sessions: await read('sessions') }
}

/** Lines of `part` missing from `whole` or present more often: empty when `part` is a sub-multiset of `whole`. */
function excess(part: readonly string[], whole: readonly string[]): string[] {
  const left = new Map<string, number>()
  for (const l of whole) left.set(l, (left.get(l) ?? 0) + 1)
  const extra: string[] = []
  for (const l of part) {
    const n = left.get(l) ?? 0
    if (n === 0) extra.push(l)
    else left.set(l, n - 1)
  }

  return extra
}

describe('cli: a windowed aggregation killed with SIGKILL at random moments', () => {
  it('publishes exactly the rows of an uninterrupted run, for tumbling and session windows', async () => {
    console.log(`windowed crash test: seed ${SEED} (FERRIS_CRASH_SEED=${SEED} replays this kill schedule)`)
    const root = await mkdtemp(join(tmpdir(), 'ferris-window-kill-'))
    const input = join(root, 'events.csv')
    await writeInput(input)

    const reference = join(root, 'reference')
    await mkdir(reference)
    await writeFile(join(reference, 'app.sql'), app(input))
    const began = performance.now()
    const uninterrupted = start(reference)
    expect(await uninterrupted.exited, uninterrupted.stderr()).toBe(0)
    const wallMs = performance.now() - began
    const expected = await published(reference)
    // The reference itself: one row per window and key, late rows dropped and counted.
    expect(expected.per_minute.length).toBeGreaterThan(1000)
    expect(expected.sessions.length).toBeGreaterThan(1000)
    expect(new Set(expected.per_minute).size).toBe(expected.per_minute.length)
    expect(new Set(expected.sessions).size).toBe(expected.sessions.length)
    expect(uninterrupted.stderr()).toMatch(/"lateRecords":\d+/)

    const random = generator(SEED)
    let midRunKills = 0
    for (let trial = 0; trial < TRIALS; trial++) {
      const dir = join(root, `trial-${trial}`)
      await mkdir(dir)
      await writeFile(join(dir, 'app.sql'), app(input))
      for (let k = 0; k < KILLS_PER_TRIAL; k++) {
        const delay = Math.round((0.05 + random() * 0.45) * wallMs)
        const where = `seed ${SEED}, trial ${trial}, kill ${k} after ${delay} ms`
        const run = start(dir)
        const finished = await Promise.race([run.exited.then(() => true), sleep(delay).then(() => false)])
        if (!finished) {
          run.kill()
          midRunKills++
        }
        const code = await run.exited
        expect(code === null || code === 0, `${where}: ${run.stderr()}`).toBe(true)
        // What is published after a kill is part of the final output: nothing extra, nothing twice.
        const now = await published(dir)
        expect(excess(now.per_minute, expected.per_minute), where).toEqual([])
        expect(excess(now.sessions, expected.sessions), where).toEqual([])
        if (finished) break
      }
      const last = start(dir)
      expect(await last.exited, `seed ${SEED}, trial ${trial}, final run: ${last.stderr()}`).toBe(0)
      const got = await published(dir)
      expect(got.per_minute, `seed ${SEED}, trial ${trial}: tumbling windows`).toEqual(expected.per_minute)
      expect(got.sessions, `seed ${SEED}, trial ${trial}: session windows`).toEqual(expected.sessions)
    }
    expect(midRunKills, 'kills that landed while a run was still going').toBeGreaterThanOrEqual(TRIALS)
  }, 240_000)
})
