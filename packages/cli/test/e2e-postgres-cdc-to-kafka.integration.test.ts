import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  deleteTopics,
  kafka,
  POSTGRES,
  POSTGRES_SUPER,
  readTopic,
  requireServices,
  uniqueName,
} from './e2e-services.js'
import { FERRIS_BIN, REPO_ROOT } from './run-cli.js'

/**
 * examples/postgres-cdc-to-kafka: stocks.csv seeded into a table, read as a snapshot and then followed by CDC
 * while the test inserts, updates and deletes rows; the topic is read with kafkajs.
 *
 * What a keyed changelog on Kafka must look like (the convention of Kafka's compacted topics, Debezium and Flink's
 * upsert-kafka): an insert or an update is a message with the row's key and its new values; a delete is a
 * tombstone, the key with a null value; the old values of an update are not a message of their own (a consumer
 * could not tell them from a new version of the row).
 */
const table = uniqueName('e2e_stocks')
const topic = uniqueName('e2e_stock_changes')
const slot = `${table}_slot`
const publication = `${table}_pub`
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
let child: ChildProcess | undefined
const admin = new pg.Client({ connectionString: POSTGRES_SUPER })

beforeAll(async () => {
  await requireServices('kafka', 'postgres')
  await admin.connect()
  await promisify(execFile)(process.execPath, ['examples/postgres-cdc-to-kafka/seed.mjs', table, POSTGRES], {
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
  await deleteTopics(topic)
})

async function topicSize(): Promise<number> {
  const a = kafka.admin()
  await a.connect()
  try {
    if (!(await a.listTopics()).includes(topic)) return 0
    return (await a.fetchTopicOffsets(topic)).reduce((n, o) => n + Number(o.high), 0)
  } finally {
    await a.disconnect()
  }
}

async function waitFor(
  what: string,
  test: () => Promise<boolean>,
  timeoutMs: number,
  log: () => string,
): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await test())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; ferris said:\n${log().slice(-1500)}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

describe('[postgres][kafka] examples/postgres-cdc-to-kafka', () => {
  it('sends the snapshot, then every insert, update and delete in commit order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-e2e-cdc-'))
    const csv = (await readFile(join(REPO_ROOT, 'examples/data/stocks.csv'), 'utf8')).trim().split('\n').slice(1)
    const input = csv.map((line, i) => {
      const [symbol, date, price] = line.split(',') as [string, string, string]
      const [mon, d, y] = date.split(' ') as [string, string, string]
      const day = `${y}-${String(MONTHS.indexOf(mon) + 1).padStart(2, '0')}-${d.padStart(2, '0')}`
      return { id: i + 1, symbol, day, price: Number(price) }
    })

    let log = ''
    child = spawn(
      process.execPath,
      [
        FERRIS_BIN,
        'run',
        'examples/postgres-cdc-to-kafka/app.sql',
        '--set',
        `stocks.table=${table}`,
        '--set',
        `stocks.slot=${slot}`,
        '--set',
        `stocks.publication=${publication}`,
        '--set',
        `stock_changes.topic=${topic}`,
        '--set',
        `job.checkpoint.dir=${join(dir, 'ckpt')}`,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child.stdout!.on('data', (d) => {
      log += d
    })
    child.stderr!.on('data', (d) => {
      log += d
    })
    const exited = new Promise<number | null>((resolve) => child!.on('close', (code) => resolve(code)))

    await waitFor(
      'the snapshot on the topic',
      async () => (await topicSize()) >= input.length,
      30_000,
      () => log,
    )

    // Three transactions while the job runs: an insert, an update, a delete.
    const db = new pg.Client({ connectionString: POSTGRES })
    await db.connect()
    const inserted = await db.query(
      `INSERT INTO ${table} (symbol, day, price) VALUES ('FERR', '2010-04-01', 12345678.91) RETURNING id`,
    )
    const newId = Number(inserted.rows[0].id)
    const updated = await db.query(
      `UPDATE ${table} SET price = 99.99 WHERE symbol = 'IBM' AND day = '2010-03-01' RETURNING id`,
    )
    const updatedId = Number(updated.rows[0].id)
    const deleted = await db.query(`DELETE FROM ${table} WHERE symbol = 'AAPL' AND day = '2000-01-01' RETURNING id`)
    const deletedId = Number(deleted.rows[0].id)
    await db.end()

    await waitFor(
      'the three changes on the topic',
      async () => (await topicSize()) >= input.length + 3,
      20_000,
      () => log,
    )
    // A second more: a job that wrote more messages than the changes (old values of the update) shows them.
    await new Promise((r) => setTimeout(r, 2500))
    child.kill('SIGINT')
    const code = await exited
    child = undefined

    const messages = await readTopic(topic)
    expect(new Set(messages.map((m) => m.partition))).toEqual(new Set([0]))
    const snapshot = messages.slice(0, input.length).map((m) => {
      const v = JSON.parse(m.value!) as { id: number; symbol: string; day: string; price: number }
      expect(m.key).toBe(String(v.id))
      return v
    })
    expect(snapshot.sort((a, b) => a.id - b.id)).toEqual(input)

    // The decimal's text on the wire is exact, not a rounded double.
    expect(messages[input.length]!.value).toContain('"price":12345678.91')

    // 130: interrupted after flushing and committing (packages/cli/README.md, Exit codes).
    expect(log).toContain('stopped after committing its output')
    expect(code, `ferris did not stop cleanly on SIGINT:\n${log.slice(-1500)}`).toBe(130)
    const slots = await admin.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot])
    expect(slots.rows).toEqual([{ active: false }])

    const changes = messages
      .slice(input.length)
      .map((m) => ({ key: m.key, value: m.value === null ? null : JSON.parse(m.value) }))
    const ibm = input.find((r) => r.id === updatedId)!
    expect(changes).toEqual([
      { key: String(newId), value: { id: newId, symbol: 'FERR', day: '2010-04-01', price: 12345678.91 } },
      { key: String(updatedId), value: { ...ibm, price: 99.99 } },
      { key: String(deletedId), value: null },
    ])
  }, 90_000)
})
