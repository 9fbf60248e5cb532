import { type DataWriter, isFerrisError, type Row, Schema, T } from '@ferris/core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PostgresSink } from '../../src/sink/postgres-sink.js'
import type { PostgresWriter } from '../../src/sink/postgres-writer.js'
import { OwnCluster } from '../helpers/own-cluster.js'
import { optionsFor, testContext, uniqueName } from '../helpers/pg-server.js'

// A cluster of our own: this file stops and starts its server, which the shared one must never suffer.
let cluster: OwnCluster

beforeAll(() => {
  cluster = new OwnCluster()
  cluster.start()
})
afterAll(() => cluster?.destroy())

async function query(sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: cluster.url })
  await c.connect()
  try {
    return await c.query(sql)
  } finally {
    await c.end()
  }
}

/**
 * What the job's retry policy does: call the same method again after a retryable failure, after a backoff,
 * with no rollback in between. Returns how many attempts failed.
 */
async function retried(call: () => Promise<void>): Promise<number> {
  const deadline = Date.now() + 30_000
  for (let failures = 0; ; failures++) {
    try {
      await call()

      return failures
    } catch (error) {
      if (!isFerrisError(error) || !error.retryable || Date.now() > deadline) throw error
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

const schema = Schema.of(['id', T.int64, false], ['label', T.string, true])
const rowsFrom = (from: number, n: number) =>
  Array.from({ length: n }, (_, i): Row => [BigInt(from + i), `row ${from + i}`])

/** Three checkpoints of 5 batches of 400 rows; the server is stopped after the 2nd batch of the 2nd. */
async function runThroughOutage(writer: DataWriter): Promise<number> {
  let failures = 0
  let restarted: Promise<void> | undefined
  for (let checkpoint = 1; checkpoint <= 3; checkpoint++) {
    for (let b = 0; b < 5; b++) {
      const from = ((checkpoint - 1) * 5 + b) * 400
      failures += await retried(() => writer.write({ schema, rows: rowsFrom(from, 400) }))
      if (checkpoint === 2 && b === 1) {
        failures += await retried(() => writer.flush())
        cluster.stop()
        // Down for 1.5 s: the writer's calls fail fast meanwhile and the retry loop waits.
        restarted = new Promise((done) => setTimeout(() => done(cluster.start()), 1500))
      }
    }
    failures += await retried(() =>
      writer.commit({ checkpointId: checkpoint, positions: { in: { upTo: checkpoint * 2000 } } }),
    )
  }
  await restarted

  return failures
}

describe('the sink through a server outage mid-checkpoint, retried as the job does', () => {
  it('appends every row exactly once without a rollback in between', async () => {
    const table = uniqueName('outage_append')
    const sink = new PostgresSink(
      optionsFor(table, { create_table: 'true', batch_size: '300' }, cluster.url),
      testContext('out'),
    )
    const writer = await sink.createWriter({ schema, jobId: 'job-outage-append' })
    const failures = await runThroughOutage(writer)
    await writer.close()
    await sink.close()
    expect(failures).toBeGreaterThan(0)
    const r = await query(
      `SELECT count(*)::int AS n, count(DISTINCT id)::int AS d, min(id)::int AS lo, max(id)::int AS hi, count(*) FILTER (WHERE label <> 'row ' || id)::int AS wrong FROM "${table}"`,
    )
    expect(r.rows[0]).toEqual({ n: 6000, d: 6000, lo: 0, hi: 5999, wrong: 0 })
  })

  it('upserts every row with its positions (exactly-once) without a rollback in between', async () => {
    const table = uniqueName('outage_upsert')
    const positions = uniqueName('outage_pos')
    const sink = new PostgresSink(
      optionsFor(
        table,
        { create_table: 'true', key: 'id', exactly_once: 'true', positions_table: positions, batch_size: '300' },
        cluster.url,
      ),
      testContext('out'),
    )
    const writer = await sink.createWriter({ schema, jobId: 'job-outage-upsert' })
    const failures = await runThroughOutage(writer)
    expect(failures).toBeGreaterThan(0)
    expect(await writer.committedPositions?.()).toEqual({ in: { upTo: 6000 } })
    await writer.close()
    await sink.close()
    const r = await query(`SELECT count(*)::int AS n, max(id)::int AS hi FROM "${table}"`)
    expect(r.rows[0]).toEqual({ n: 6000, hi: 5999 })
  })

  it('fails fast while the server is down, with a retryable error', async () => {
    const table = uniqueName('outage_fast')
    const sink = new PostgresSink(optionsFor(table, { create_table: 'true' }, cluster.url), testContext('out'))
    const writer = await sink.createWriter({ schema, jobId: 'job-outage-fast' })
    await writer.write({ schema, rows: rowsFrom(0, 10) })
    await writer.flush()
    cluster.stop()
    try {
      const errors: unknown[] = []
      const started = Date.now()
      for (let i = 0; i < 3; i++) await writer.commit({ checkpointId: 1, positions: {} }).catch((e) => errors.push(e))
      expect(Date.now() - started).toBeLessThan(3000)
      expect(errors).toHaveLength(3)
      for (const e of errors) expect(isFerrisError(e) && e.retryable).toBe(true)
    } finally {
      cluster.start()
    }
    await retried(() => writer.commit({ checkpointId: 1, positions: {} }))
    await writer.close()
    await sink.close()
    expect((await query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0]).toEqual({ n: 10 })
  })

  /** Lets the next COMMIT reach the server, then cuts the connection before its answer is read. */
  function loseCommitAnswer(writer: DataWriter): void {
    const client = (writer as PostgresWriter).connectionForTests()!
    const original = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>
    ;(client as unknown as { query: unknown }).query = async (...args: unknown[]) => {
      const result = await original(...args)
      if (args[0] === 'COMMIT') {
        ;(client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
        throw new Error('Connection terminated unexpectedly')
      }

      return result
    }
  }

  for (const exactlyOnce of [true, false]) {
    it(`retries a commit whose answer was lost: ${exactlyOnce ? 'the stored positions say it went through, no row twice' : 'without positions the rows are sent again (documented)'}`, async () => {
      const table = uniqueName('outage_doubt')
      const positions = uniqueName('outage_doubt_pos')
      const sink = new PostgresSink(
        optionsFor(
          table,
          { create_table: 'true', exactly_once: String(exactlyOnce), positions_table: positions },
          cluster.url,
        ),
        testContext('out'),
      )
      const writer = await sink.createWriter({ schema, jobId: 'job-outage-doubt' })
      await writer.write({ schema, rows: rowsFrom(0, 1000) })
      await writer.flush()
      loseCommitAnswer(writer)
      const failures = await retried(() => writer.commit({ checkpointId: 1, positions: { in: { upTo: 1000 } } }))
      expect(failures).toBe(1)
      await retried(() => writer.write({ schema, rows: rowsFrom(1000, 500) }))
      await retried(() => writer.commit({ checkpointId: 2, positions: { in: { upTo: 1500 } } }))
      await writer.close()
      await sink.close()
      const r = await query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM "${table}"`)
      expect(r.rows[0]).toEqual(exactlyOnce ? { n: 1500, d: 1500 } : { n: 2500, d: 1500 })
    })
  }
})
