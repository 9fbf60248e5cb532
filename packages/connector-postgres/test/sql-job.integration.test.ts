import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConnectorRegistry } from '@ferris/core'
import { runApplication } from '@ferris/sql'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { plugin } from '../src/plugin.js'
import { adminClient, createTable, dropTableAfter, PG_URL, requireServer, uniqueName } from './helpers/pg-server.js'

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
})
