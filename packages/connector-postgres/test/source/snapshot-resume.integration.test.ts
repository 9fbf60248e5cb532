import { ChangeKind, type DataReader, type Position, type RecordBatch, Schema, T, type Value } from '@ferris/core'
import type pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import type { CdcPosition } from '../../src/source/positions.js'
import { PostgresSource } from '../../src/source/postgres-source.js'
import {
  adminClient,
  createTable,
  dropSlotAfter,
  optionsFor,
  requireServer,
  testContext,
  uniqueName,
} from '../helpers/pg-server.js'

beforeAll(requireServer)

/**
 * The changelog a CDC reader hands over, applied to a map by key with strict rules: an INSERT or UPDATE_AFTER
 * must not find its key present, an UPDATE_BEFORE or DELETE must find exactly that row. A row delivered twice,
 * or a change applied on top of a snapshot that already showed it, breaks a rule; a lost one leaves the map
 * different from the table.
 */
class Replica {
  readonly rows = new Map<string, Value[]>()
  readonly errors: string[] = []

  apply(batch: RecordBatch): void {
    batch.rows.forEach((row, i) => {
      const kind = batch.kinds?.[i] ?? ChangeKind.INSERT
      const key = String(row[0])
      const present = this.rows.get(key)
      if (kind === ChangeKind.INSERT || kind === ChangeKind.UPDATE_AFTER) {
        if (present !== undefined) this.errors.push(`kind ${kind} of key ${key}, which is already there`)
        this.rows.set(key, row)
      } else {
        if (present === undefined || JSON.stringify(present.map(String)) !== JSON.stringify(row.map(String))) {
          this.errors.push(`kind ${kind} of key ${key}, which is ${present === undefined ? 'absent' : 'different'}`)
        }
        this.rows.delete(key)
      }
    })
  }
}

function cdcSource(table: string) {
  const slot = table.toLowerCase()
  const publication = `${slot}_pub`
  dropSlotAfter(slot, publication)
  const ctx = testContext('changes')
  const source = new PostgresSource(optionsFor(table, { cdc: 'true', slot, publication, poll_interval: '100ms' }), ctx)

  return { source, ctx }
}

/** Reads `n` batches (the reader is then dropped, as by a killed process: not closed, slot kept). */
async function readBatches(reader: DataReader, replica: Replica, n: number): Promise<Position> {
  let position: Position | undefined
  for (let got = 0; got < n; ) {
    const r = await reader.read()
    position = r.position
    if (r.kind === 'batch') {
      replica.apply(r.batch)
      got++
    }
  }

  return position!
}

/** Reads until the marker key arrives. */
async function readUntil(reader: DataReader, replica: Replica, marker: string): Promise<Position> {
  const deadline = Date.now() + 30_000
  let position: Position | undefined
  while (!replica.rows.has(marker)) {
    if (Date.now() > deadline) throw new Error(`marker ${marker} did not arrive (${replica.rows.size} rows)`)
    const r = await reader.read()
    position = r.position
    if (r.kind === 'batch') replica.apply(r.batch)
  }

  return position!
}

async function tableRows(admin: pg.Client, table: string): Promise<Map<string, string[]>> {
  const r = await admin.query({ text: `SELECT * FROM "${table}"`, rowMode: 'array' })

  return new Map(r.rows.map((row: unknown[]) => [String(row[0]), row.map(String)]))
}

function asStrings(rows: Map<string, Value[]>): Map<string, string[]> {
  return new Map([...rows].map(([k, row]) => [k, row.map(String)]))
}

/** The killed reader's connections are abandoned, as a SIGKILL leaves them; closing them frees the slot. */
async function abandon(reader: DataReader): Promise<void> {
  await reader.close()
}

describe('PostgreSQL change data capture: a restart inside the snapshot', () => {
  it('continues after the last key handed over, twice, and delivers every row and change exactly once', async () => {
    const table = uniqueName('cdc_resume')
    const admin = await adminClient()
    await createTable(admin, table, 'id bigint PRIMARY KEY, v text')
    await admin.query(`INSERT INTO "${table}" SELECT g, 'v' || g FROM generate_series(1, 3000) g`)
    const schema = Schema.of(['id', T.int64, false], ['v', T.string])
    const replica = new Replica()

    const { source, ctx } = cdcSource(table)
    const first = await source.createReader({ schema, batchSize: 200 })
    const p1 = (await readBatches(first, replica, 3)) as CdcPosition
    expect(p1).toMatchObject({ phase: 'snapshot', after: ['600'] })
    await abandon(first)

    // While no reader runs: changes to keys already handed over and to keys still to read, and keys moving
    // from one side of the boundary to the other.
    await admin.query(`UPDATE "${table}" SET v = 'upd1' WHERE id IN (100, 2000)`)
    await admin.query(`DELETE FROM "${table}" WHERE id IN (50, 2500)`)
    await admin.query(`UPDATE "${table}" SET id = 5000 WHERE id = 10`)
    await admin.query(`UPDATE "${table}" SET id = -5 WHERE id = 2800`)
    await admin.query(`INSERT INTO "${table}" VALUES (3001, 'new1')`)

    const second = await source.createReader({ schema, batchSize: 200, from: p1 })
    // After the second snapshot was taken: these come through the stream for every key.
    await admin.query(`UPDATE "${table}" SET v = 'upd2' WHERE id IN (200, 2200)`)
    await admin.query(`DELETE FROM "${table}" WHERE id = 2300`)
    const p2 = (await readBatches(second, replica, 2)) as CdcPosition
    expect(p2.phase).toBe('snapshot')
    expect(p2.snapshots).toHaveLength(2)
    await abandon(second)

    await admin.query(`UPDATE "${table}" SET v = 'upd3' WHERE id IN (300, 1200, 2900)`)
    await admin.query(`UPDATE "${table}" SET id = 6000 WHERE id = 20`)
    const third = await source.createReader({ schema, batchSize: 200, from: p2 })
    await admin.query(`UPDATE "${table}" SET v = 'upd4' WHERE id IN (400, 2950)`)
    await admin.query(`INSERT INTO "${table}" VALUES (9999, 'marker')`)
    const p3 = (await readUntil(third, replica, '9999')) as CdcPosition
    expect(p3.phase).toBe('stream')
    await third.close()

    expect(replica.errors).toEqual([])
    expect(asStrings(replica.rows)).toEqual(await tableRows(admin, table))
    expect(ctx.logs.filter((l) => l.message.includes('continues its snapshot'))).toHaveLength(2)
  })

  it('orders text keys as the server does (COLLATE "C") so the boundary splits them exactly', async () => {
    const table = uniqueName('cdc_resume_text')
    const admin = await adminClient()
    await createTable(admin, table, 'k text PRIMARY KEY, v int')
    const keys = ['a', 'B', 'b', 'Z', 'é', 'e', 'zz', '中', '😀', 'ä', 'A b', 'a-b', 'a_b', '', ' ']
    for (let i = 0; i < 300; i++) keys.push(`k${i}`)
    await admin.query(`INSERT INTO "${table}" SELECT k, 0 FROM unnest($1::text[]) k`, [keys])
    const schema = Schema.of(['k', T.string, false], ['v', T.int32])
    const replica = new Replica()

    const { source } = cdcSource(table)
    const first = await source.createReader({ schema, batchSize: 50 })
    const p1 = await readBatches(first, replica, 3)
    await abandon(first)
    // Every key changes once: those before the boundary through the stream, those after in the new snapshot.
    await admin.query(`UPDATE "${table}" SET v = 1`)
    const second = await source.createReader({ schema, batchSize: 50, from: p1 })
    await admin.query(`UPDATE "${table}" SET v = 2 WHERE k IN ('中', 'a', '😀')`)
    await admin.query(`INSERT INTO "${table}" VALUES ('~marker', 9)`)
    await readUntil(second, replica, '~marker')
    await second.close()

    expect(replica.errors).toEqual([])
    expect(asStrings(replica.rows)).toEqual(await tableRows(admin, table))
  })

  it('reads the snapshot again when the table has no primary key it can order by, and says so', async () => {
    const table = uniqueName('cdc_resume_nokey')
    const admin = await adminClient()
    await createTable(admin, table, 'id numeric PRIMARY KEY, v text')
    await admin.query(`INSERT INTO "${table}" SELECT g, 'x' FROM generate_series(1, 500) g`)
    const schema = Schema.of(['id', T.decimal(76, 32), false], ['v', T.string])
    const { source, ctx } = cdcSource(table)
    const first = await source.createReader({ schema, batchSize: 100 })
    const p1 = (await readBatches(first, new Replica(), 2)) as CdcPosition
    expect(p1.after).toBeUndefined()
    await abandon(first)
    const second = await source.createReader({ schema, batchSize: 1000, from: p1 })
    const r = await second.read()
    await second.close()
    expect(r.kind === 'batch' ? r.batch.rows.length : 0).toBe(500)
    expect(ctx.logs.some((l) => l.level === 'warn' && l.message.includes('reading it again'))).toBe(true)
  })
})

describe('PostgreSQL change data capture: TRUNCATE', () => {
  it('hands a TRUNCATE of the captured table to the bad-record policy, in its place, and goes on', async () => {
    const table = uniqueName('cdc_truncate')
    const admin = await adminClient()
    await createTable(admin, table, 'id bigint PRIMARY KEY')
    const schema = Schema.of(['id', T.int64, false])
    const { source, ctx } = cdcSource(table)
    const reader = await source.createReader({ schema, batchSize: 100 })
    await reader.read()
    await admin.query(`INSERT INTO "${table}" VALUES (1)`)
    await admin.query(`TRUNCATE "${table}"`)
    await admin.query(`INSERT INTO "${table}" VALUES (2)`)
    const replica = new Replica()
    await readUntil(reader, replica, '2')
    await reader.close()

    expect(ctx.bad).toHaveLength(1)
    expect(ctx.bad[0]!.error.code).toBe('FERRIS_UNSUPPORTED')
    expect(ctx.bad[0]!.error.message).toContain(`table ${table} was truncated`)
    expect(ctx.bad[0]!.error.context.hint).toContain("'changes.bad_records' = 'skip'")
    expect([...replica.rows.keys()]).toEqual(['1', '2'])
  })
})
