import { ChangeKind, type DataReader, Decimal, parseTimestamp, type RecordBatch, Schema, T } from '@ferris/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type CdcPosition, parseLsn } from '../../src/source/positions.js'
import { PostgresSource } from '../../src/source/postgres-source.js'
import { drain, rowCount } from '../helpers/drain.js'
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

/** A CDC source on `table` whose slot and publication are dropped when the test ends. */
function cdcSource(table: string, extra: Record<string, string> = {}) {
  const slot = table.toLowerCase()
  const publication = `${slot}_pub`
  dropSlotAfter(slot, publication)
  const ctx = testContext('changes')
  const source = new PostgresSource(
    optionsFor(table, { cdc: 'true', slot, publication, poll_interval: '100ms', ...extra }),
    ctx,
  )

  return { source, ctx, slot }
}

async function slotLsn(slot: string): Promise<string | null> {
  const admin = await adminClient()
  const r = await admin.query(
    'SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  )

  return r.rows[0]?.lsn ?? null
}

function ids(from: number, to: number): number[][] {
  return Array.from({ length: to - from + 1 }, (_, i) => [from + i])
}

function kindsOf(batches: readonly RecordBatch[]): number[] {
  return batches.flatMap((b) => [...(b.kinds ?? new Uint8Array(b.rows.length))])
}

describe('PostgreSQL change data capture', () => {
  it('reads a snapshot and then the stream with no gap and no overlap under concurrent inserts', async () => {
    const table = uniqueName('cdc_gap')
    const admin = await adminClient()
    await createTable(admin, table, 'id bigint PRIMARY KEY, v text')
    await admin.query(`INSERT INTO "${table}" SELECT g, 'before' FROM generate_series(1, 2000) g`)
    const writer = await adminClient()
    let next = 2001
    let stop = false
    // One row per transaction, as fast as the server takes them, while the slot and snapshot are set up.
    const inserting = (async () => {
      while (!stop && next <= 6000) {
        await writer.query(`INSERT INTO "${table}" VALUES ($1, 'during')`, [next])
        next++
      }
    })()
    await new Promise((r) => setTimeout(r, 50))
    const { source } = cdcSource(table)
    const schema = Schema.of(['id', T.int64, false], ['v', T.string])
    const reader = await source.createReader({ schema, batchSize: 500 })
    await new Promise((r) => setTimeout(r, 200))
    stop = true
    await inserting
    const last = next - 1
    expect(last).toBeGreaterThan(2001)
    const seen = new Map<bigint, number>()
    const { batches } = await drain(reader, (bs) => rowCount(bs) >= last, 30_000).catch((e) => {
      throw new Error(`${e.message}; expected ${last}`)
    })
    for (const b of batches) for (const row of b.rows) seen.set(row[0] as bigint, (seen.get(row[0] as bigint) ?? 0) + 1)
    expect(seen.size).toBe(last)
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    expect(Math.min(...[...seen.keys()].map(Number))).toBe(1)
    expect(kindsOf(batches).every((k) => k === ChangeKind.INSERT)).toBe(true)
    // The boundary fell among the concurrent inserts: some came with the snapshot, the rest with the stream.
    const snapshotDuring = batches
      .filter((b) => b.kinds === undefined)
      .flatMap((b) => b.rows.filter((r) => r[1] === 'during'))
    const streamed = batches.filter((b) => b.kinds !== undefined).flatMap((b) => b.rows)
    expect(snapshotDuring.length).toBeGreaterThan(0)
    expect(streamed.length).toBeGreaterThan(0)
    await reader.close()
  })

  it('streams updates with old and new rows, deletes, exact types, and unchanged TOAST values', async () => {
    const table = uniqueName('cdc_types')
    const admin = await adminClient()
    await createTable(
      admin,
      table,
      'id bigint PRIMARY KEY, n numeric(30, 10), ts timestamptz, local timestamp, doc jsonb, tags text[], big text, counter int',
    )
    await admin.query(`ALTER TABLE "${table}" ALTER COLUMN big SET STORAGE EXTERNAL`)
    const { source, ctx } = cdcSource(table, { snapshot: 'false' })
    const schema = Schema.of(
      ['id', T.int64, false],
      ['n', T.decimal(30, 10)],
      ['ts', T.timestamp('us', 'UTC')],
      ['local', T.timestamp('us')],
      ['doc', T.string],
      ['tags', T.list(T.string)],
      ['big', T.string],
      ['counter', T.int32],
    )
    const reader = await source.createReader({ schema, batchSize: 100 })
    // A value far beyond the TOAST threshold, stored out of line (STORAGE EXTERNAL, no compression).
    const big = Array.from({ length: 4000 }, (_, i) => (i * 7919).toString(36)).join('')
    await admin.query("SET TimeZone = 'America/St_Johns'")
    await admin.query(
      `INSERT INTO "${table}" VALUES (9223372036854775807, 12345678901234567890.0123456789, '2024-03-10 02:30:00.123456+00',
        '1999-12-31 23:59:59.999999', '{"x": 12345678901234567890123}', '{"a b","c,d",NULL}', $1, 1)`,
      [big],
    )
    await admin.query(`UPDATE "${table}" SET counter = 2`)
    await admin.query(`DELETE FROM "${table}"`)
    const { batches } = await drain(reader, (bs) => rowCount(bs) >= 4)
    const rows = batches.flatMap((b) => b.rows)
    expect(kindsOf(batches)).toEqual([
      ChangeKind.INSERT,
      ChangeKind.UPDATE_BEFORE,
      ChangeKind.UPDATE_AFTER,
      ChangeKind.DELETE,
    ])
    const inserted = [
      9223372036854775807n,
      Decimal.parse('12345678901234567890.0123456789'),
      parseTimestamp('2024-03-10T02:30:00.123456Z'),
      parseTimestamp('1999-12-31T23:59:59.999999'),
      '{"x": 12345678901234567890123}',
      ['a b', 'c,d', null],
      big,
      1,
    ]
    expect(rows[0]).toEqual(inserted)
    expect(rows[1]).toEqual(inserted)
    // pgoutput sent 'u' (unchanged TOAST) for `big` in the new row: it is filled from the old row, not NULL.
    expect(rows[2]).toEqual([...inserted.slice(0, 7), 2])
    expect(rows[3]).toEqual([...inserted.slice(0, 7), 2])
    expect(ctx.bad).toEqual([])
    await reader.close()
  })

  it('moves the slot only on commit and resumes from a position inside a transaction', async () => {
    const table = uniqueName('cdc_resume')
    const admin = await adminClient()
    await createTable(admin, table, 'id int PRIMARY KEY')
    const { source, slot } = cdcSource(table, { snapshot: 'false' })
    const schema = Schema.of(['id', T.int32, false])
    const reader: DataReader = await source.createReader({ schema, batchSize: 3 })
    await admin.query(`INSERT INTO "${table}" SELECT g FROM generate_series(1, 10) g`)
    await admin.query(`INSERT INTO "${table}" VALUES (11)`)
    // Batches hold what has arrived, at most 3 rows: the first drain ends inside the 10-row transaction.
    const first = await drain(reader, (bs) => rowCount(bs) >= 3)
    const n = rowCount(first.batches)
    expect(n).toBeLessThan(10)
    expect(first.batches.flatMap((b) => b.rows)).toEqual(ids(1, n))
    const mid = first.position as CdcPosition
    expect(mid.xid).toBeGreaterThan(0)
    expect(mid.skip).toBe(n)
    const created = await slotLsn(slot)
    // Read on, but do not commit: the slot has not moved.
    const more = await drain(reader, (bs) => rowCount(bs) >= 1)
    expect(more.batches.flatMap((b) => b.rows)[0]).toEqual([n + 1])
    expect(await slotLsn(slot)).toBe(created)
    await reader.commit(mid)
    await new Promise((r) => setTimeout(r, 200))
    expect(await slotLsn(slot)).toBe(created)
    await reader.close()

    // A restart from the checkpoint taken after row n gets rows n+1..11 once each.
    const again = await source.createReader({ schema, batchSize: 100, from: mid })
    const rest = await drain(again, (bs) => rowCount(bs) >= 11 - n)
    expect(rest.batches.flatMap((b) => b.rows)).toEqual(ids(n + 1, 11))
    let end = rest.position as CdcPosition
    // The last commit message may arrive just after the last row: read on until the position closes it.
    for (let i = 0; i < 50 && end.xid !== undefined; i++) {
      const r = await again.read()
      expect(r.kind).toBe('idle')
      end = r.position as CdcPosition
    }
    expect(end.xid).toBeUndefined()
    await again.commit(end)
    // The slot reaches the committed position (or beyond it, when keepalives show nothing more was sent).
    const reached = async () => parseLsn((await slotLsn(slot)) ?? '0/0') >= parseLsn(end.lsn)
    const deadline = Date.now() + 5000
    while (!(await reached()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(await reached()).toBe(true)
    await again.close()

    // Nothing is read twice after a committed position.
    await admin.query(`INSERT INTO "${table}" VALUES (12)`)
    const third = await source.createReader({ schema, batchSize: 100, from: end })
    const after = await drain(third, (bs) => rowCount(bs) >= 1)
    expect(after.batches.flatMap((b) => b.rows)).toEqual([[12]])
    await third.close()
  })

  it('reads a new snapshot for fromStart (a table without a checkpoint position), even with snapshot=false', async () => {
    const table = uniqueName('cdc_from_start')
    const admin = await adminClient()
    await createTable(admin, table, 'id int PRIMARY KEY')
    await admin.query(`INSERT INTO "${table}" SELECT g FROM generate_series(1, 5) g`)
    const { source } = cdcSource(table, { snapshot: 'false' })
    const schema = Schema.of(['id', T.int32, false])
    // A first run follows the changes only and commits them: the slot now stands after row 6.
    const first = await source.createReader({ schema, batchSize: 100 })
    await admin.query(`INSERT INTO "${table}" VALUES (6)`)
    let read = await drain(first, (bs) => rowCount(bs) >= 1)
    expect(read.batches.flatMap((b) => b.rows)).toEqual([[6]])
    let end = read.position as CdcPosition
    for (let i = 0; i < 50 && end.xid !== undefined; i++) end = (await first.read()).position as CdcPosition
    await first.commit(end)
    await first.close()

    // A fresh run reading it as a table starts from the table as it is, not from where the slot stood.
    const again = await source.createReader({ schema, batchSize: 100, fromStart: true })
    read = await drain(again, (bs) => rowCount(bs) >= 6, 10_000)
    expect(read.batches.flatMap((b) => b.rows)).toEqual(ids(1, 6))
    await again.close()
  })
})
