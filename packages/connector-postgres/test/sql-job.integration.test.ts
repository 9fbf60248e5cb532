import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConnectorRegistry } from '@ferris/core'
import { runApplication } from '@ferris/sql'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { plugin } from '../src/plugin.js'
import {
  adminClient,
  createTable,
  dropSlotAfter,
  dropTableAfter,
  PG_URL,
  requireServer,
  uniqueName,
} from './helpers/pg-server.js'

beforeAll(requireServer)

describe('a SQL application reading and writing PostgreSQL', () => {
  it('aggregates a table into another, upserted by key, exactly once', async () => {
    const admin = await adminClient()
    const orders = uniqueName('orders')
    const totals = uniqueName('totals')
    const positions = uniqueName('positions')
    dropTableAfter(totals)
    dropTableAfter(positions)
    await createTable(admin, orders, 'id bigint PRIMARY KEY, region text NOT NULL, amount numeric(12, 2) NOT NULL')
    await admin.query(
      `INSERT INTO "${orders}" SELECT g, (ARRAY['eu', 'us', 'apac'])[g % 3 + 1], (g % 1000) / 100.0 + 0.01 FROM generate_series(1, 5000) g`,
    )
    const registry = new ConnectorRegistry().register(plugin)
    const cwd = await mkdtemp(join(tmpdir(), 'ferris-pg-sql-'))
    onTestFinished(() => rm(cwd, { recursive: true, force: true }))
    const sql = `
      CREATE TABLE totals AS
      SELECT region, SUM(amount) AS total, COUNT(*) AS n FROM orders GROUP BY region EMIT CHANGES
      WITH ('orders.uri' = '${PG_URL}?table=${orders}',
            'totals.uri' = '${PG_URL}?table=${totals}&key=region&create_table=true&exactly_once=true&positions_table=${positions}',
            'job.name' = 'pg-totals')`
    await runApplication(sql, { registry, cwd })
    const got = await admin.query(`SELECT region, total::text AS total, n::int AS n FROM "${totals}" ORDER BY region`)
    const want = await admin.query(
      `SELECT region, sum(amount)::text AS total, count(*)::int AS n FROM "${orders}" GROUP BY region ORDER BY region`,
    )
    expect(got.rows).toEqual(want.rows)
    expect(got.rows).toHaveLength(3)
    const stored = await admin.query(`SELECT job_id, source FROM "${positions}"`)
    expect(stored.rows).toEqual([{ job_id: expect.stringContaining('pg-totals'), source: 'orders' }])
  })

  it('replicates a table through CDC into an upserted copy and moves the slot as checkpoints commit', async () => {
    const admin = await adminClient()
    const orders = uniqueName('cdc_orders')
    const totals = uniqueName('cdc_totals')
    const slot = orders
    dropTableAfter(totals)
    dropSlotAfter(slot, `${slot}_pub`)
    await createTable(admin, orders, 'id bigint PRIMARY KEY, region text NOT NULL, amount numeric(12, 2) NOT NULL')
    await admin.query(`INSERT INTO "${orders}" VALUES (1, 'eu', 10.50), (2, 'us', 20.25)`)
    const registry = new ConnectorRegistry().register(plugin)
    const cwd = await mkdtemp(join(tmpdir(), 'ferris-pg-cdc-'))
    onTestFinished(() => rm(cwd, { recursive: true, force: true }))
    const controller = new AbortController()
    const sql = `
      CREATE STREAM copy AS SELECT id, region, amount FROM orders
      WITH ('orders.uri' = '${PG_URL}?table=${orders}&cdc=true&slot=${slot}&publication=${slot}_pub&poll_interval=100ms',
            'copy.uri' = '${PG_URL}?table=${totals}&key=id&create_table=true',
            'job.name' = 'pg-cdc-totals', 'job.checkpoint.interval' = '200ms')`
    const running = runApplication(sql, { registry, cwd, signal: controller.signal })
    const totalsNow = async () =>
      (
        await admin
          .query(`SELECT id::int AS id, region, amount::text AS amount FROM "${totals}" ORDER BY id`)
          .catch(() => ({ rows: [] }))
      ).rows
    const waitFor = async (want: unknown[]) => {
      const deadline = Date.now() + 20_000
      while (Date.now() < deadline) {
        if (JSON.stringify(await totalsNow()) === JSON.stringify(want)) return
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(await totalsNow()).toEqual(want)
    }
    await waitFor([
      { id: 1, region: 'eu', amount: '10.50' },
      { id: 2, region: 'us', amount: '20.25' },
    ])
    const slotBefore = (
      await admin.query('SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = $1', [slot])
    ).rows[0].l
    await admin.query(`INSERT INTO "${orders}" VALUES (3, 'eu', 1.25)`)
    await admin.query(`UPDATE "${orders}" SET amount = 30.00 WHERE id = 2`)
    await admin.query(`DELETE FROM "${orders}" WHERE id = 1`)
    await waitFor([
      { id: 2, region: 'us', amount: '30.00' },
      { id: 3, region: 'eu', amount: '1.25' },
    ])
    // The job commits its checkpoint, then the slot: it moves past where it was.
    const deadline = Date.now() + 10_000
    let slotAfter = slotBefore
    while (slotAfter === slotBefore && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
      slotAfter = (
        await admin.query('SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = $1', [
          slot,
        ])
      ).rows[0].l
    }
    expect(slotAfter).not.toBe(slotBefore)
    controller.abort()
    await running
  })
})
