import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLICKHOUSE, CLICKHOUSE_HTTP, requireServices, uniqueName } from './e2e-services.js'
import { killAllFerris, killFerris, startFerris, waitForFerris } from './ferris-process.js'

/**
 * `ferris run` from a generated CSV file into a ClickHouse 18.16 table with `exactly_once=true` (hidden marker
 * columns, a ledger of finished commits, and a start-up delete of the rows of a commit that never reached the
 * ledger), killed with SIGKILL several times while rows flow and started again each time: the table must end
 * with every id exactly once.
 *
 * As in the PostgreSQL kill test, each kill also puts back a checkpoint file saved earlier in that run, as if
 * the kill had landed between the sink's commit and the checkpoint file being replaced: the job must resume
 * from the positions in the sink's ledger, not from the file. The same run with the opt-in off (the second
 * case) ends with duplicates, which shows the check can fail.
 */
const dropped: string[] = []

async function ch(query: string): Promise<string> {
  const response = await fetch(`${CLICKHOUSE_HTTP}/?database=ferris`, { method: 'POST', body: query })
  const text = await response.text()
  if (!response.ok) throw new Error(`${query}: ${text}`)

  return text.trim()
}

beforeAll(async () => {
  await requireServices('clickhouse')
})

afterAll(async () => {
  killAllFerris()
  for (const name of dropped) await ch(`DROP TABLE IF EXISTS ferris.${name}`).catch(() => {})
})

async function count(table: string): Promise<number> {
  return Number(await ch(`SELECT count() FROM ferris.${table}`).catch(() => '0'))
}

const CHECKPOINT = ['.ferris', 'checkpoints', 'copied', 'checkpoint.json']

/**
 * Runs ferris until the target holds `until` rows, saving the job's checkpoint file once it holds `saveAt`;
 * then kills it with SIGKILL and puts the saved (older) checkpoint file back. Returns the rows at the kill.
 */
async function runAndKill(dir: string, target: string, saveAt: number, until: number, logs: string[]): Promise<number> {
  const run = startFerris(dir)
  await waitForFerris(`${saveAt} rows`, run, async () => (await count(target)) >= saveAt, 60_000)
  const file = join(dir, ...CHECKPOINT)
  const saved = await readFile(file, 'utf8').catch(() => undefined)
  await waitForFerris(`${until} rows`, run, async () => (await count(target)) >= until, 60_000)
  await killFerris(run)
  logs.push(run.log())
  const rows = await count(target)
  if (saved === undefined) await rm(file, { force: true })
  else await writeFile(file, saved)

  return rows
}

/** Four kills mid-stream, then a run to the end; the table's count and distinct ids once no mutation is pending. */
async function killFourTimes(exactlyOnce: boolean, rows: number) {
  const dir = await mkdtemp(join(tmpdir(), 'ferris-ch-kill-'))
  const target = uniqueName('eo_kill_ch')
  const ledger = `${target}_ledger`
  dropped.push(target, ledger)
  try {
    const lines = ['id,amount']
    for (let i = 1; i <= rows; i++) lines.push(`${i},${i}.5`)
    await writeFile(join(dir, 'in.csv'), `${lines.join('\n')}\n`)
    await writeFile(
      join(dir, 'app.sql'),
      `CREATE STREAM copied AS SELECT id, amount FROM input
       WITH ('input.type' = 'file_source', 'input.path' = './in.csv', 'input.format' = 'csv', 'input.batch_size' = '2000',
             'copied.uri' = '${CLICKHOUSE}?table=${target}&create_table=true&exactly_once=${exactlyOnce}&ledger_table=${ledger}&batch_rows=1000&max_buffer_bytes=1kb',
             'job.checkpoint.interval' = '100ms');`,
    )
    const killedAt: number[] = []
    const logs: string[] = []
    for (const share of [0.1, 0.3, 0.5, 0.7]) {
      killedAt.push(await runAndKill(dir, target, (killedAt.at(-1) ?? 0) + 0.05 * rows, share * rows, logs))
    }
    const last = startFerris(dir)
    const code = await last.exited
    logs.push(last.log())
    expect(code, last.log()).toBe(0)
    // 18.16 applies ALTER TABLE ... DELETE in the background: read only once no mutation of the table is pending.
    const until = Date.now() + 30_000
    while (Number(await ch(`SELECT count() FROM system.mutations WHERE table = '${target}' AND is_done = 0`)) > 0) {
      if (Date.now() > until) throw new Error(`mutations of ${target} still pending after 30 s`)
      await new Promise((r) => setTimeout(r, 100))
    }
    const [total, distinct, sum] = (
      await ch(`SELECT count(), uniqExact(id), toString(sum(amount)) FROM ferris.${target}`)
    )
      .split('\t')
      .map(Number)

    // Runs after the first that found rows of an unfinished commit and deleted them before writing.
    const cleanups = logs.slice(1).filter((log) => log.includes('Deleted the rows of an unfinished commit')).length

    return { killedAt, total, distinct, sum, cleanups }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

describe('[clickhouse] ferris run killed with SIGKILL, exactly-once into ClickHouse 18.16', () => {
  const ROWS = 100_000

  it('exactly_once=true: every id of the file lands exactly once after four kills mid-stream', async () => {
    const { killedAt, total, distinct, sum, cleanups } = await killFourTimes(true, ROWS)
    // Blocks go in before each commit (max_buffer_bytes=1kb), so a kill almost always leaves some: the restarts
    // had rows to delete, and did.
    expect(cleanups).toBeGreaterThan(0)
    // Each kill left the table part-way: the kills really landed mid-stream.
    expect(killedAt.every((n) => n > 0 && n < ROWS)).toBe(true)
    expect({ total, distinct }).toEqual({ total: ROWS, distinct: ROWS })
    expect(sum).toBe((ROWS * (ROWS + 1)) / 2 + ROWS * 0.5)
  }, 180_000)

  it('exactly_once=false: the same kills leave duplicates (what the opt-in prevents)', async () => {
    const { total, distinct } = await killFourTimes(false, ROWS)
    expect(distinct).toBe(ROWS)
    expect(total).toBeGreaterThan(ROWS)
  }, 180_000)
})
