import { ChangeKind, Decimal, parseTimestamp, type Row, Schema, T } from '@ferris/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { PostgresSink } from '../../src/sink/postgres-sink.js'
import { PostgresSource } from '../../src/source/postgres-source.js'
import { drain } from '../helpers/drain.js'
import {
  adminClient,
  createTable,
  dropTableAfter,
  optionsFor,
  requireServer,
  testContext,
  uniqueName,
} from '../helpers/pg-server.js'

beforeAll(requireServer)

const allTypes = Schema.of(
  ['id', T.int64, false],
  ['b', T.boolean],
  ['i', T.int32],
  ['big', T.int64],
  ['f', T.float64],
  ['amount', T.decimal(38, 9)],
  ['s', T.string],
  ['raw', T.bytes],
  ['day', T.date],
  ['clock', T.time('us')],
  ['local_ts', T.timestamp('us')],
  ['utc_ts', T.timestamp('us', 'UTC')],
  ['ms_ts', T.timestamp('ms', 'UTC')],
  ['ints', T.list(T.int64)],
  ['words', T.list(T.string)],
  [
    'doc',
    T.struct([
      { name: 'n', type: T.int64, nullable: true },
      { name: 'label', type: T.string, nullable: true },
    ]),
  ],
)

const rows: Row[] = [
  [
    1n,
    true,
    -2147483648,
    9223372036854775807n,
    0.1 + 0.2,
    Decimal.parse('12345678901234567890123456789.123456789'),
    'quote \' double " backslash \\ unicode ü 🚀',
    new Uint8Array([0, 1, 127, 128, 255]),
    -1,
    (23n * 3600n + 59n * 60n + 59n) * 1_000_000_000n + 999_999_000n,
    parseTimestamp('2024-02-29T23:59:59.123456'),
    parseTimestamp('1969-12-31T23:59:59.999999Z'),
    parseTimestamp('2262-04-11T23:47:16.854Z'),
    [-9223372036854775808n, null, 9007199254740993n],
    ['a,b', '{x}', 'q"uote', 'back\\slash', '', 'NULL', null],
    { n: 9007199254740993n, label: 'ü "q"' },
  ],
  [2n, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
]

describe('PostgresSink', () => {
  it.each([
    ['appended with COPY', {}],
    ['upserted with INSERT ON CONFLICT', { key: 'id' }],
  ])('creates the table with exact column types and round-trips every type exactly, %s', async (_how, extra) => {
    const table = uniqueName('types')
    const admin = await adminClient()
    const ctx = testContext('out')
    const sink = new PostgresSink(optionsFor(table, { create_table: 'true', ...extra }), ctx)
    dropTableAfter(table)
    await sink.open()
    await sink.validateSchema(allTypes)
    const writer = await sink.createWriter({ schema: allTypes, jobId: 'job-types' })
    await writer.write({ schema: allTypes, rows })
    await writer.commit({ checkpointId: 1, positions: {} })
    await writer.close()
    await sink.close()
    expect(ctx.bad).toEqual([])

    const types = await admin.query(
      `SELECT attname, format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 ORDER BY attnum`,
      [`"${table}"`],
    )
    expect(Object.fromEntries(types.rows.map((r) => [r.attname, r.t]))).toEqual({
      id: 'bigint',
      b: 'boolean',
      i: 'integer',
      big: 'bigint',
      f: 'double precision',
      amount: 'numeric(38,9)',
      s: 'text',
      raw: 'bytea',
      day: 'date',
      clock: 'time(6) without time zone',
      local_ts: 'timestamp(6) without time zone',
      utc_ts: 'timestamp(6) with time zone',
      ms_ts: 'timestamp(3) with time zone',
      ints: 'bigint[]',
      words: 'text[]',
      doc: 'jsonb',
    })

    // The server's own text, with a session time zone far from UTC, proves what was stored.
    await admin.query("SET TimeZone = 'Pacific/Kiritimati'")
    const text = await admin.query(
      `SELECT big::text, f::text, amount::text, encode(raw, 'hex') AS raw, day::text, clock::text, local_ts::text,
              (utc_ts AT TIME ZONE 'UTC')::text AS utc_ts, ints::text, words::text, doc::text FROM "${table}" WHERE id = 1`,
    )
    expect(text.rows[0]).toEqual({
      big: '9223372036854775807',
      f: '0.30000000000000004',
      amount: '12345678901234567890123456789.123456789',
      raw: '00017f80ff',
      day: '1969-12-31',
      clock: '23:59:59.999999',
      local_ts: '2024-02-29 23:59:59.123456',
      utc_ts: '1969-12-31 23:59:59.999999',
      ints: '{-9223372036854775808,NULL,9007199254740993}',
      words: '{"a,b","{x}","q\\"uote","back\\\\slash","","NULL",NULL}',
      doc: '{"n": 9007199254740993, "label": "ü \\"q\\""}',
    })

    // And our source reads back the same values (the struct comes back as its JSON text).
    const readSchema = new Schema(allTypes.fields.map((f) => (f.name === 'doc' ? { ...f, type: T.string } : f)))
    const source = new PostgresSource(
      optionsFor(table, { query: `SELECT * FROM "${table}" ORDER BY id`, table: '' }),
      testContext('in'),
    )
    const reader = await source.createReader({ schema: readSchema, batchSize: 10 })
    const { batches } = await drain(reader)
    const back = batches.flatMap((b) => b.rows)
    expect(back).toHaveLength(2)
    expect(back[0]!.slice(0, 15)).toEqual(rows[0]!.slice(0, 15))
    expect(back[0]![15]).toBe('{"n": 9007199254740993, "label": "ü \\"q\\""}')
    expect(back[1]).toEqual(rows[1])
    await reader.close()
  })

  it('upserts on the key and applies deletes in order', async () => {
    const table = uniqueName('upsert')
    const admin = await adminClient()
    await createTable(admin, table, 'k text PRIMARY KEY, v bigint')
    const schema = Schema.of(['k', T.string, false], ['v', T.int64])
    const sink = new PostgresSink(optionsFor(table, { key: 'k' }), testContext('out'))
    const writer = await sink.createWriter({ schema, jobId: 'job-upsert' })
    await writer.write({
      schema,
      rows: [
        ['a', 1n],
        ['b', 2n],
        ['c', 3n],
      ],
    })
    await writer.commit({ checkpointId: 1, positions: {} })
    const { INSERT, UPDATE_BEFORE, UPDATE_AFTER, DELETE } = ChangeKind
    await writer.write({
      schema,
      rows: [
        ['a', 1n],
        ['a', 10n],
        ['b', 2n],
        ['c', 3n],
        ['c', 30n],
        ['d', 4n],
        ['d', 4n],
        ['b', 20n],
      ],
      kinds: Uint8Array.of(UPDATE_BEFORE, UPDATE_AFTER, DELETE, DELETE, INSERT, INSERT, DELETE, UPDATE_AFTER),
    })
    await writer.commit({ checkpointId: 2, positions: {} })
    await writer.close()
    await sink.close()
    const result = await admin.query(`SELECT k, v::text FROM "${table}" ORDER BY k`)
    expect(result.rows).toEqual([
      { k: 'a', v: '10' },
      { k: 'b', v: '20' },
      { k: 'c', v: '30' },
    ])
  })

  it('makes nothing visible before commit and discards it on rollback', async () => {
    const table = uniqueName('tx')
    const admin = await adminClient()
    await createTable(admin, table, 'v bigint')
    const schema = Schema.of(['v', T.int64])
    const sink = new PostgresSink(optionsFor(table, { batch_size: '2' }), testContext('out'))
    const writer = await sink.createWriter({ schema, jobId: 'job-tx' })
    await writer.write({ schema, rows: [[1n], [2n], [3n], [4n], [5n]] })
    await writer.flush()
    expect((await admin.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n).toBe(0)
    await writer.rollback()
    await writer.write({ schema, rows: [[6n]] })
    await writer.commit({ checkpointId: 1, positions: {} })
    expect((await admin.query(`SELECT array_agg(v)::text AS v FROM "${table}"`)).rows[0].v).toBe('{6}')
    await writer.close()
    await sink.close()
  })

  it('stores positions with the rows (exactly-once) and gives them back', async () => {
    const table = uniqueName('eo')
    const positions = uniqueName('pos')
    const admin = await adminClient()
    await createTable(admin, table, 'v bigint')
    dropTableAfter(positions)
    const schema = Schema.of(['v', T.int64])
    const opts = optionsFor(table, { exactly_once: 'true', positions_table: positions })
    const sink = new PostgresSink(opts, testContext('out'))
    expect(sink.capabilities.storesPositions).toBe(true)
    const writer = await sink.createWriter({ schema, jobId: 'job-eo' })
    expect(await writer.committedPositions?.()).toBeUndefined()
    await writer.write({ schema, rows: [[1n], [2n]] })
    await writer.commit({ checkpointId: 1, positions: { orders: { offset: '2' }, other: ['x', 1] } })
    await writer.write({ schema, rows: [[3n]] })
    // A crash before commit: the rows and the position move together, so neither is there.
    await writer.close()
    const again = await new PostgresSink(opts, testContext('out')).createWriter({ schema, jobId: 'job-eo' })
    expect(await again.committedPositions?.()).toEqual({ orders: { offset: '2' }, other: ['x', 1] })
    expect((await admin.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n).toBe(2)
    // Another job's positions are its own.
    const otherJob = await new PostgresSink(opts, testContext('out')).createWriter({ schema, jobId: 'job-other' })
    expect(await otherJob.committedPositions?.()).toBeUndefined()
    await again.close()
    await otherJob.close()
  })

  it('hands rows the server refuses to the bad-record policy and writes the rest', async () => {
    const table = uniqueName('bad')
    const admin = await adminClient()
    await createTable(admin, table, 'k bigint PRIMARY KEY, v numeric(5, 2) CHECK (v >= 0), s text')
    const schema = Schema.of(['k', T.int64, false], ['v', T.decimal(5, 2)], ['s', T.string])
    const ctx = testContext('out')
    const sink = new PostgresSink(optionsFor(table), ctx)
    const writer = await sink.createWriter({ schema, jobId: 'job-bad' })
    await writer.write({
      schema,
      rows: [
        [1n, Decimal.parse('1.00'), 'ok'],
        [2n, Decimal.parse('-1.00'), 'check fails'],
        [1n, Decimal.parse('2.00'), 'duplicate key'],
        [3n, Decimal.parse('3.00'), 'nul \u0000 in text'],
        [4n, Decimal.parse('4.00'), 'ok too'],
      ],
    })
    await writer.commit({ checkpointId: 1, positions: {} })
    await writer.close()
    expect((await admin.query(`SELECT k::int FROM "${table}" ORDER BY k`)).rows).toEqual([{ k: 1 }, { k: 4 }])
    expect(ctx.bad.map((b) => [b.values?.k, b.error.code])).toEqual([
      [3n, 'FERRIS_RECORD_MALFORMED'],
      [2n, 'FERRIS_RECORD_MALFORMED'],
      [1n, 'FERRIS_RECORD_MALFORMED'],
    ])
    expect(ctx.bad[1]!.error.context.sqlState).toBe('23514')
    expect(ctx.bad[2]!.error.context.sqlState).toBe('23505')
  })

  it('checks the schema against an existing table and names the column', async () => {
    const table = uniqueName('schema')
    const admin = await adminClient()
    await createTable(admin, table, 'id bigint, name text, at timestamptz')
    const sink = new PostgresSink(optionsFor(table), testContext('out'))
    await sink.open()
    await expect(sink.validateSchema(Schema.of(['id', T.int64], ['nam', T.string]))).rejects.toMatchObject({
      code: 'FERRIS_SCHEMA_MISMATCH',
      message: expect.stringContaining('has no column "nam"'),
    })
    await expect(sink.validateSchema(Schema.of(['id', T.int64], ['at', T.timestamp('us')]))).rejects.toMatchObject({
      code: 'FERRIS_SCHEMA_MISMATCH',
      message: expect.stringContaining('column "at"'),
    })
    await expect(sink.validateSchema(Schema.of(['id', T.decimal(10, 2)]))).rejects.toMatchObject({
      code: 'FERRIS_SCHEMA_MISMATCH',
      message: expect.stringContaining('column "id"'),
    })
    await sink.validateSchema(Schema.of(['id', T.int64], ['at', T.timestamp('us', 'UTC')]))
    await sink.close()
  })
})
