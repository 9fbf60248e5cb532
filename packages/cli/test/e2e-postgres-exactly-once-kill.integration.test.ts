import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { POSTGRES, POSTGRES_SUPER, requireServices, uniqueName } from './e2e-services.js'
import { killAllFerris, killFerris, startFerris, waitForFerris } from './ferris-process.js'

/**
 * `ferris run` writing into PostgreSQL with `exactly_once=true` (rows and source positions in one transaction),
 * killed with SIGKILL several times while rows flow and started again each time: the target table must end with
 * every row exactly once. The sink is a plain append (no key), so a replayed row would show as a duplicate, and
 * a position stored without its rows (or rows without their position) would show as a loss or a duplicate.
 *
 * A kill rarely lands in the one window that matters, between the sink's commit and the job's checkpoint file
 * being replaced (a few milliseconds). Each kill therefore also puts back a checkpoint file saved earlier in
 * that run, as if the kill had landed in that window after several more commits: the job must resume from the
 * positions the sink committed with its rows, not from the file. (With `exactly_once=false` this test finds
 * duplicates.)
 */
const admin = new pg.Client({ connectionString: POSTGRES_SUPER })
const cleanups: Array<() => Promise<unknown>> = []

beforeAll(async () => {
  await requireServices('postgres')
  await admin.connect()
})

afterAll(async () => {
  killAllFerris()
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
  await admin.end()
})

function dropAfter(kind: 'TABLE' | 'PUBLICATION', name: string): void {
  cleanups.push(() => admin.query(`DROP ${kind} IF EXISTS ${name}`))
}

async function count(table: string): Promise<number> {
  const r = await admin.query(`SELECT count(*)::int AS n FROM ${table}`).catch(() => ({ rows: [{ n: 0 }] }))

  return r.rows[0].n
}

const CHECKPOINT = ['.ferris', 'checkpoints', 'copied', 'checkpoint.json']

/**
 * Runs ferris until the target holds `until` rows, saving the job's checkpoint file once it holds `saveAt`;
 * then kills it with SIGKILL and puts the saved (older) checkpoint file back. Returns the rows at the kill.
 */
async function runAndKill(dir: string, target: string, saveAt: number, until: number): Promise<number> {
  const run = startFerris(dir)
  await waitForFerris(`${saveAt} rows`, run, async () => (await count(target)) >= saveAt, 60_000)
  const file = join(dir, ...CHECKPOINT)
  const saved = await readFile(file, 'utf8').catch(() => undefined)
  await waitForFerris(`${until} rows`, run, async () => (await count(target)) >= until, 60_000)
  await killFerris(run)
  const rows = await count(target)
  if (saved === undefined) await rm(file, { force: true })
  else await writeFile(file, saved)

  return rows
}

async function duplicatesAndCount(table: string): Promise<{ rows: number; distinct: number }> {
  const r = await admin.query(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS distinct FROM ${table}`)

  return r.rows[0]
}

describe('[postgres] ferris run killed with SIGKILL, exactly-once into PostgreSQL', () => {
  it('file source: every row of the file lands exactly once after four kills mid-stream', async () => {
    const ROWS = 300_000
    const dir = await mkdtemp(join(tmpdir(), 'ferris-pg-kill-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const target = uniqueName('eo_kill_file')
    const positions = `${target}_pos`
    dropAfter('TABLE', target)
    dropAfter('TABLE', positions)
    const lines = ['id,amount']
    for (let i = 1; i <= ROWS; i++) lines.push(`${i},${i}.5`)
    await writeFile(join(dir, 'in.csv'), `${lines.join('\n')}\n`)
    await writeFile(
      join(dir, 'app.sql'),
      `CREATE STREAM copied AS SELECT id, amount FROM input
       WITH ('input.type' = 'file_source', 'input.path' = './in.csv', 'input.format' = 'csv', 'input.batch_size' = '2000',
             'copied.uri' = '${POSTGRES}?table=${target}&create_table=true&exactly_once=true&positions_table=${positions}&batch_size=2000',
             'job.checkpoint.interval' = '50ms');`,
    )

    const killedAt: number[] = []
    for (const share of [0.1, 0.3, 0.5, 0.7]) {
      killedAt.push(await runAndKill(dir, target, (killedAt.at(-1) ?? 0) + 0.05 * ROWS, share * ROWS))
    }
    const last = startFerris(dir)
    const code = await last.exited
    expect(code, last.log()).toBe(0)

    // Each kill left the table part-way, and the next run added to it: the kills really landed mid-stream.
    expect(killedAt.every((n, i) => n < ROWS && (i === 0 || n >= killedAt[i - 1]!))).toBe(true)
    expect(await duplicatesAndCount(target)).toEqual({ rows: ROWS, distinct: ROWS })
    const sum = await admin.query(
      `SELECT sum(amount)::text AS s, min(id)::int AS lo, max(id)::int AS hi FROM ${target}`,
    )
    expect(sum.rows[0]).toEqual({ s: String((ROWS * (ROWS + 1)) / 2 + ROWS * 0.5), lo: 1, hi: ROWS })
  }, 180_000)

  it('CDC source: kills inside the snapshot and in the stream lose and repeat no row', async () => {
    const ROWS = 200_000
    const dir = await mkdtemp(join(tmpdir(), 'ferris-pg-kill-cdc-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const source = uniqueName('eo_kill_src')
    const target = `${source}_copy`
    const positions = `${source}_pos`
    const slot = `${source}_slot`
    const publication = `${source}_pub`
    cleanups.push(() =>
      admin.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]),
    )
    dropAfter('PUBLICATION', publication)
    dropAfter('TABLE', source)
    dropAfter('TABLE', target)
    dropAfter('TABLE', positions)
    await admin.query(`CREATE TABLE ${source} (id bigint PRIMARY KEY, v text)`)
    await admin.query(`GRANT ALL ON ${source} TO ferris`)
    await admin.query(`INSERT INTO ${source} SELECT g, 'snapshot ' || g FROM generate_series(1, ${ROWS}) g`)
    await writeFile(
      join(dir, 'app.sql'),
      `CREATE STREAM copied AS SELECT id, v FROM src
       WITH ('src.uri' = '${POSTGRES_SUPER}?table=${source}&cdc=true&slot=${slot}&publication=${publication}&fetch_size=2000&poll_interval=100ms',
             'copied.uri' = '${POSTGRES}?table=${target}&create_table=true&exactly_once=true&positions_table=${positions}',
             'job.checkpoint.interval' = '50ms');`,
    )

    // New rows keep arriving, one transaction each, all through the test: some fall before a restart's new
    // snapshot, some after, on both sides of the key the snapshot stopped at (new keys are above it, updates
    // would not be checkable with an append sink, so only inserts).
    const writer = new pg.Client({ connectionString: POSTGRES_SUPER })
    await writer.connect()
    let next = ROWS + 1
    let writing = true
    const inserting = (async () => {
      while (writing) {
        await writer.query(`INSERT INTO ${source} VALUES ($1, 'stream')`, [next++])
        await new Promise((r) => setTimeout(r, 5))
      }
    })()

    try {
      const snapshotKills: number[] = []
      for (const share of [0.15, 0.4, 0.65]) {
        snapshotKills.push(await runAndKill(dir, target, (snapshotKills.at(-1) ?? 0) + 0.05 * ROWS, share * ROWS))
      }
      // After the snapshot, while changes stream.
      await runAndKill(dir, target, ROWS, ROWS + 100)
      const final = startFerris(dir)
      await new Promise((r) => setTimeout(r, 1000))
      writing = false
      await inserting
      const last = next - 1
      await waitForFerris(`all ${last} rows`, final, async () => (await count(target)) >= last, 60_000)
      // A moment more, so rows beyond the source's would show.
      await new Promise((r) => setTimeout(r, 1000))
      final.child.kill('SIGINT')
      expect(await final.exited, final.log()).toBe(130)

      expect(snapshotKills.every((n) => n < ROWS)).toBe(true)
      expect(await duplicatesAndCount(target)).toEqual({ rows: last, distinct: last })
      const diff = await admin.query(
        `SELECT count(*)::int AS n FROM (SELECT id, v FROM ${source} EXCEPT SELECT id, v FROM ${target}) d`,
      )
      expect(diff.rows[0].n).toBe(0)
      expect(final.log()).not.toContain('reading it again')
    } finally {
      writing = false
      await inserting
      await writer.end()
    }
  }, 240_000)
})
