import { Decimal, Schema, T } from '@ferris/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { PostgresSource } from '../../src/source/postgres-source.js'
import { drain } from '../helpers/drain.js'
import { adminClient, createTable, optionsFor, requireServer, testContext, uniqueName } from '../helpers/pg-server.js'

beforeAll(requireServer)

describe('PostgreSQL snapshot source', () => {
  it('discovers the schema with precision, arrays and NOT NULL', async () => {
    const table = uniqueName('discover')
    const admin = await adminClient()
    await createTable(
      admin,
      table,
      'id bigint NOT NULL, n numeric(12, 3), at timestamptz(3), l timestamp, tags bigint[], doc jsonb, d date',
    )
    const schema = await new PostgresSource(optionsFor(table), testContext('in')).discoverSchema()
    expect(schema.toString()).toBe(
      "id BIGINT NOT NULL, n DECIMAL(12, 3), at TIMESTAMP(3) WITH TIME ZONE 'UTC', l TIMESTAMP(6), tags LIST<BIGINT>, doc STRING, d DATE",
    )
  })

  it('reads a table in batches through a cursor and ends', async () => {
    const table = uniqueName('snap')
    const admin = await adminClient()
    await createTable(admin, table, 'id bigint PRIMARY KEY, v text')
    await admin.query(`INSERT INTO "${table}" SELECT g, 'row ' || g FROM generate_series(1, 10500) g`)
    const source = new PostgresSource(optionsFor(table), testContext('in'))
    expect(source.capabilities.bounded).toBe(true)
    const schema = Schema.of(['id', T.int64], ['v', T.string])
    const reader = await source.createReader({ schema, batchSize: 1000 })
    const { batches, position } = await drain(reader)
    expect(batches.map((b) => b.rows.length)).toEqual([...Array(10).fill(1000), 500])
    expect(new Set(batches.flatMap((b) => b.rows.map((r) => r[0]))).size).toBe(10500)
    expect(position).toEqual({ mode: 'snapshot', rows: '10500', done: true })
    expect(reader.hasMore()).toBe(false)
    await reader.close()
    // A finished snapshot is not read again from its checkpoint.
    const again = await source.createReader({ schema, batchSize: 1000, from: position! })
    expect((await again.read()).kind).toBe('end')
  })

  it('reads a query, converting to the job schema and reporting rows that do not fit', async () => {
    const table = uniqueName('query')
    const admin = await adminClient()
    await createTable(admin, table, 'id int, amount numeric(10, 4)')
    await admin.query(`INSERT INTO "${table}" VALUES (1, 1.5), (2, 1.2345), (3, 99999.99)`)
    const ctx = testContext('in')
    const source = new PostgresSource(optionsFor('', { query: `SELECT id, amount FROM "${table}" ORDER BY id` }), ctx)
    const schema = Schema.of(['id', T.int64], ['amount', T.decimal(7, 2)])
    const reader = await source.createReader({ schema, batchSize: 10 })
    const rows = (await drain(reader)).batches.flatMap((b) => b.rows)
    expect(rows).toEqual([
      [1n, Decimal.parse('1.50')],
      [3n, Decimal.parse('99999.99')],
    ])
    expect(ctx.bad).toHaveLength(1)
    expect(ctx.bad[0]!.error.message).toContain('column "amount"')
    await reader.close()
  })

  it('says which column is missing', async () => {
    const table = uniqueName('missing')
    const admin = await adminClient()
    await createTable(admin, table, 'id int')
    const reader = await new PostgresSource(optionsFor(table), testContext('in')).createReader({
      schema: Schema.of(['id', T.int32], ['nope', T.string]),
      batchSize: 10,
    })
    await expect(reader.read()).rejects.toMatchObject({
      code: 'FERRIS_SCHEMA_MISMATCH',
      message: expect.stringContaining('"nope"'),
    })
    await reader.close()
  })
})
