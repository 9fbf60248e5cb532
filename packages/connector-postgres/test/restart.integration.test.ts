import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import { type DataReader, type DataWriter, isFerrisError, type Position, type Row, Schema, T } from '@ferris/core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PostgresSink } from '../src/sink/postgres-sink.js'
import type { CdcPosition } from '../src/source/positions.js'
import { PostgresSource } from '../src/source/postgres-source.js'
import {
  createTable,
  dropSlotAfter,
  dropTableAfter,
  optionsFor,
  PG_URL,
  requireServer,
  testContext,
  uniqueName,
} from './helpers/pg-server.js'

const SERVICE = resolve(import.meta.dirname, '../../../tools/services/postgres')

function service(action: 'start' | 'stop'): void {
  execFileSync(resolve(SERVICE, action), { stdio: ['ignore', 'ignore', 'pipe'] })
}

beforeAll(requireServer)
// Whatever happens, leave the server running for the next test file.
afterAll(() => service('start'))

async function query(sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: PG_URL })
  await c.connect()
  try {
    return await c.query(sql)
  } finally {
    await c.end()
  }
}

/** What a job does with a retryable failure: roll back, wait, and replay everything since the last commit. */
async function commitWithRetry(writer: DataWriter, rows: Row[], schema: Schema, checkpointId: number): Promise<number> {
  let failures = 0
  for (;;) {
    try {
      for (let i = 0; i < rows.length; i += 100) await writer.write({ schema, rows: rows.slice(i, i + 100) })
      await writer.commit({ checkpointId, positions: { in: { upTo: checkpointId } } })

      return failures
    } catch (error) {
      if (!isFerrisError(error) || !error.retryable) throw error
      failures++
      await writer.rollback()
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

describe('a server stopped and started mid-job', () => {
  it('loses no sink row and duplicates none (exactly-once positions)', async () => {
    const table = uniqueName('restart_sink')
    const positions = uniqueName('restart_pos')
    dropTableAfter(positions)
    const c = new pg.Client({ connectionString: PG_URL })
    await c.connect()
    await createTable(c, table, 'id bigint PRIMARY KEY')
    await c.end()
    const schema = Schema.of(['id', T.int64, false])
    const sink = new PostgresSink(
      optionsFor(table, { exactly_once: 'true', positions_table: positions }),
      testContext('out'),
    )
    const writer = await sink.createWriter({ schema, jobId: 'job-restart' })
    const ids = (from: number) => Array.from({ length: 1000 }, (_, i): Row => [BigInt(from + i)])
    await commitWithRetry(writer, ids(0), schema, 1)

    // Stop the server between two writes of the second checkpoint, start it again a moment later.
    await writer.write({ schema, rows: ids(1000).slice(0, 500) })
    service('stop')
    const restarted = new Promise<void>((done) => setTimeout(() => done(service('start')), 1000))
    const failures = await commitWithRetry(writer, ids(1000), schema, 2)
    await restarted
    expect(failures).toBeGreaterThan(0)
    await commitWithRetry(writer, ids(2000), schema, 3)
    expect(await writer.committedPositions?.()).toEqual({ in: { upTo: 3 } })
    await writer.close()
    await sink.close()
    const r = await query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d, max(id)::int AS m FROM "${table}"`)
    expect(r.rows[0]).toEqual({ n: 3000, d: 3000, m: 2999 })
  })

  it('resumes change capture after the server comes back, with no change lost or repeated', async () => {
    const table = uniqueName('restart_cdc')
    const c = new pg.Client({ connectionString: PG_URL })
    await c.connect()
    await createTable(c, table, 'id int PRIMARY KEY')
    await c.end()
    const slot = table
    dropSlotAfter(slot, `${slot}_pub`)
    const source = new PostgresSource(
      optionsFor(table, { cdc: 'true', snapshot: 'false', slot, publication: `${slot}_pub`, poll_interval: '100ms' }),
      testContext('changes'),
    )
    const schema = Schema.of(['id', T.int32, false])
    const reader: DataReader = await source.createReader({ schema, batchSize: 50 })
    await query(`INSERT INTO "${table}" SELECT g FROM generate_series(1, 100) g`)
    const seen: number[] = []
    let position: Position | undefined
    let errors = 0
    const readUntil = async (n: number) => {
      const deadline = Date.now() + 30_000
      while (seen.length < n && Date.now() < deadline) {
        try {
          const r = await reader.read()
          position = r.position
          if (r.kind === 'batch') for (const row of r.batch.rows) seen.push(row[0] as number)
        } catch (error) {
          if (!isFerrisError(error) || !error.retryable) throw error
          errors++
          await new Promise((r) => setTimeout(r, 200))
        }
      }
    }
    await readUntil(50)
    // Committed halfway through a transaction, then read to its end and committed, as a job does.
    await reader.commit(position!)
    expect((position as CdcPosition).skip).toBe(seen.length)
    await readUntil(100)
    await reader.commit(position!)
    service('stop')
    service('start')
    await query(`INSERT INTO "${table}" SELECT g FROM generate_series(101, 200) g`)
    await readUntil(200)
    expect(errors).toBeGreaterThan(0)
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    expect((position as CdcPosition).phase).toBe('stream')
    await reader.close()
  })
})
