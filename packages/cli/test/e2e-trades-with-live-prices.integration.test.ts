import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { appendFile, copyFile, mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { POSTGRES, POSTGRES_SUPER, requireServices, uniqueName } from './e2e-services.js'
import { FERRIS_BIN, REPO_ROOT } from './run-cli.js'

/**
 * examples/trades-with-live-prices: a followed CSV of trades joined to a PostgreSQL table kept current by
 * change data capture. A price changed (or deleted) while the job runs values only the trades that come after
 * it; after a restart the job resumes the table's changes from its checkpoint.
 */
const table = uniqueName('e2e_prices')
const slot = `${table}_slot`
const publication = `${table}_pub`
let child: ChildProcess | undefined
const admin = new pg.Client({ connectionString: POSTGRES_SUPER })

beforeAll(async () => {
  await requireServices('postgres')
  await admin.connect()
  await promisify(execFile)(process.execPath, ['examples/trades-with-live-prices/seed.mjs', table, POSTGRES], {
    cwd: REPO_ROOT,
  })
})

afterAll(async () => {
  child?.kill('SIGKILL')
  await admin
    .query('SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1', [slot])
    .catch(() => {})
  await admin.query(`DROP PUBLICATION IF EXISTS ${publication}`).catch(() => {})
  await admin.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {})
  await admin.end()
})

async function waitFor(what: string, test: () => Promise<boolean>, log: () => string): Promise<void> {
  const until = Date.now() + 30_000
  while (!(await test())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; ferris said:\n${log().slice(-1500)}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('[postgres] examples/trades-with-live-prices', () => {
  it('values each trade at the price the table holds when the trade is processed, across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-e2e-prices-'))
    const trades = join(dir, 'trades.csv')
    const out = join(dir, 'valued.jsonl')
    await copyFile(join(REPO_ROOT, 'examples/trades-with-live-prices/trades.csv'), trades)
    const lines = async () =>
      (await readFile(out, 'utf8').catch(() => ''))
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { trade_id: number; symbol: string; price: number | null })
    let log = ''
    const start = () => {
      child = spawn(
        process.execPath,
        [
          FERRIS_BIN,
          'run',
          'examples/trades-with-live-prices/app.sql',
          ...['--set', `prices.table=${table}`, '--set', `prices.slot=${slot}`],
          ...['--set', `prices.publication=${publication}`, '--set', `trades.path=${trades}`],
          ...['--set', `valued_trades.path=${out}`, '--set', `job.checkpoint.dir=${join(dir, 'ckpt')}`],
        ],
        { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      child.stdout!.on('data', (d) => {
        log += d
      })
      child.stderr!.on('data', (d) => {
        log += d
      })
      const c = child
      return new Promise<number | null>((resolve) => c.on('close', (code) => resolve(code)))
    }
    const stopped = start()
    await waitFor(
      'the first trades',
      async () => (await lines()).length === 5,
      () => log,
    )
    const db = new pg.Client({ connectionString: POSTGRES })
    await db.connect()
    await db.query(`UPDATE ${table} SET price = 1.00 WHERE symbol = 'IBM'`)
    await db.query(`DELETE FROM ${table} WHERE symbol = 'AAPL'`)
    // The job logs progress each second: let the changes reach it before the trades that should see them.
    await new Promise((r) => setTimeout(r, 3000))
    await appendFile(trades, '6,IBM,20\n7,AAPL,1\n')
    await waitFor(
      'the new trades',
      async () => (await lines()).length === 7,
      () => log,
    )
    child!.kill('SIGINT')
    // 130: interrupted after flushing and committing.
    expect(await stopped).toBe(130)

    await db.query(`UPDATE ${table} SET price = 2.00 WHERE symbol = 'MSFT'`)
    await db.end()
    await appendFile(trades, '8,MSFT,10\n')
    const again = start()
    await waitFor(
      'the trade after the restart',
      async () => (await lines()).length === 8,
      () => log,
    )
    child!.kill('SIGINT')
    expect(await again).toBe(130)

    const byId = new Map((await lines()).map((l) => [l.trade_id, l.price]))
    expect([...byId]).toEqual([
      [1, 28.8],
      [2, 125.55],
      [3, 223.02],
      [4, 560.19],
      [5, null],
      [6, 1],
      [7, null],
      [8, 2],
    ])
    // The restart resumed the change stream from the checkpoint instead of taking a new snapshot.
    expect(log.match(/change capture starts with a snapshot/g)).toHaveLength(1)
  }, 120_000)
})
