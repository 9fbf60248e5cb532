import { type DataType, Decimal, type FerrisError, Interval, parseTimestamp, type Row, Schema, T } from '@ferris/core'
import { createTestContext } from '@ferris/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClickhouseSink } from '../src/sink/clickhouse-sink.js'
import { ClickhouseSource } from '../src/source/clickhouse-source.js'
import { quoteIdentifier } from '../src/sql/quote.js'
import { normalize } from './helpers/normalize.js'
import { DATABASE, options, requireServer, sql, startServer, stopServer, uniqueName } from './helpers/server.js'

const created: string[] = []
const table = (prefix: string) => {
  const name = uniqueName(prefix)
  created.push(name)

  return name
}

beforeAll(requireServer)
afterAll(async () => {
  for (const name of created) await sql(`DROP TABLE IF EXISTS ${quoteIdentifier(DATABASE)}.${quoteIdentifier(name)}`)
})

async function writeAll(raw: Record<string, string>, schema: Schema, batches: Row[][], policy?: 'fail') {
  const test = createTestContext(policy === undefined ? {} : { policy })
  const sink = new ClickhouseSink(options(raw), test.context)
  await sink.open()
  try {
    await sink.validateSchema(schema)
    const writer = await sink.createWriter({ schema, jobId: 'it' })
    for (const rows of batches) await writer.write({ schema, rows })
    await writer.commit({ checkpointId: 1, positions: { src: batches.flat().length } })
    await writer.close()
  } finally {
    await sink.close()
  }

  return { test, sink }
}

async function readAll(raw: Record<string, string>, schema: Schema, batchSize = 1000) {
  const test = createTestContext()
  const source = new ClickhouseSource(options(raw), test.context)
  await source.open()
  const reader = await source.createReader({ schema, batchSize })
  const rows: Row[] = []
  const sizes: number[] = []
  for (;;) {
    const r = await reader.read()
    if (r.kind !== 'batch') break
    rows.push(...r.batch.rows)
    sizes.push(r.batch.rows.length)
  }
  await reader.close()
  const discovered = await source.discoverSchema()
  await source.close()

  return { rows, sizes, test, discovered }
}

const count = async (name: string) => Number((await sql(`SELECT count() FROM ${quoteIdentifier(name)}`)).trim())

describe('[clickhouse] 18.16 over HTTP', () => {
  it('checks the server version on open and says what the old server cannot do', async () => {
    const sink = new ClickhouseSink(options({ table: table('ts'), create_table: 'true' }), createTestContext().context)
    await sink.open()
    const server = sink.server!
    expect(server.text).toMatch(/^\d+\.\d+/)
    if (!server.features.dateTime64) {
      await expect(sink.validateSchema(Schema.of(['at', T.timestamp('us', 'UTC'), false]))).rejects.toMatchObject({
        code: 'FERRIS_UNSUPPORTED',
        message: expect.stringMatching(
          new RegExp(
            `column at is TIMESTAMP\\(6\\).*needs DateTime64 \\(ClickHouse 20\\.1 or later\\); the server is ${server.text}`,
          ),
        ),
      })
      await expect(sink.validateSchema(Schema.of(['m', T.map(T.string, T.int64), false]))).rejects.toThrow(
        /column m needs MAP<STRING, BIGINT>, which ClickHouse has from 21\.8 on/,
      )
    }
    await sink.close()
  })

  it('refuses a wrong user as an authentication failure without showing the password', async () => {
    const sink = new ClickhouseSink(
      options({ table: 't', username: 'nobody', password: 'hunter2-secret' }),
      createTestContext().context,
    )
    const error = await sink.open().then(
      () => undefined,
      (e: unknown) => e as FerrisError,
    )
    expect(error).toMatchObject({ code: 'FERRIS_AUTHENTICATION_FAILED', retryable: false })
    expect(error!.describe()).not.toContain('hunter2')
    expect(JSON.stringify(error!.toJSON())).not.toContain('hunter2')
    await sink.close()
  })

  it('creates a table and round-trips every type the server holds, exactly', async () => {
    const name = table('types')
    const struct = T.struct([
      { name: 'a', type: T.int32, nullable: false },
      { name: 'b', type: T.string, nullable: true },
    ])
    const fields: Array<[string, DataType, boolean]> = [
      ['id', T.int32, false],
      ['b', T.boolean, true],
      ['i64', T.int64, true],
      ['f', T.float64, true],
      ['d', T.decimal(38, 9), true],
      ['d2', T.decimal(18, 4), false],
      ['s', T.string, true],
      ['by', T.bytes, false],
      ['dt', T.date, true],
      ['ts', T.timestamp('ms', 'UTC'), true],
      ['tm', T.time('us'), false],
      ['iv', T.interval, false],
      ['arr', T.list(T.int64), false],
      ['st', struct, false],
    ]
    const schema = Schema.of(...fields)
    const text = (s: string) => new TextEncoder().encode(s)
    const rows: Row[] = [
      [
        1,
        true,
        -(2n ** 63n),
        0.1,
        Decimal.parse('12345678901234567890123456789.123456789'),
        Decimal.parse('-99999999999999.9999'),
        'quote " backslash \\ newline \n nul \u0000 é 😀',
        text('bytes ✓'),
        0,
        parseTimestamp('2024-02-29T23:59:59Z'),
        45_296_000_001_000n,
        new Interval(14, 3, 4_000_000_000n),
        [2n ** 63n - 1n, null, 0n],
        { a: -1, b: null },
      ],
      [
        2,
        false,
        2n ** 63n - 1n,
        Number.NaN,
        Decimal.parse('-0.000000001'),
        Decimal.parse('0.0000'),
        '',
        text(''),
        49672,
        0n,
        0n,
        new Interval(0, 0, 0n),
        [],
        { a: 2147483647, b: 'x' },
      ],
      [
        3,
        null,
        null,
        Number.NEGATIVE_INFINITY,
        null,
        Decimal.parse('1.5000'),
        null,
        text('z'),
        null,
        null,
        1000n,
        new Interval(-1, 0, 0n),
        [-1n],
        { a: 0, b: '' },
      ],
      [
        4,
        true,
        0n,
        1e308,
        Decimal.parse('1.000000000'),
        Decimal.parse('-1.0000'),
        'x',
        text('y'),
        19782,
        parseTimestamp('2106-02-06T23:59:59Z'),
        86_399_999_999_000n,
        new Interval(0, 0, -1n),
        [1n],
        { a: 1, b: 'y' },
      ],
    ]
    await writeAll({ table: name, create_table: 'true', order_by: 'id', timestamp_fallback: 'datetime' }, schema, [
      rows.slice(0, 1),
      rows.slice(1),
    ])
    const back = await readAll({ table: name, order_by: 'id' }, schema)
    expect(back.test.badRecords).toEqual([])
    expect(back.rows.map(normalize)).toEqual(rows.map(normalize))
    // The table the connector created, as the server describes it.
    const types = (
      await sql(
        `SELECT name, type FROM system.columns WHERE database = '${DATABASE}' AND table = '${name}' FORMAT JSONEachRow`,
      )
    )
      .trim()
      .split('\n')
      .map((line) => {
        const c = JSON.parse(line) as { name: string; type: string }

        return `${c.name}\t${c.type}`
      })
    expect(types).toContain('d\tNullable(Decimal(38, 9))')
    expect(types).toContain("ts\tNullable(DateTime('UTC'))")
    expect(types).toContain('arr\tArray(Nullable(Int64))')
    expect(back.discovered?.field('i64')).toMatchObject({ type: T.int64, nullable: true })
  })

  it('writes and reads with gzip compression on', async () => {
    const name = table('gzip')
    const schema = Schema.of(['id', T.int64, false], ['s', T.string, false])
    const rows: Row[] = Array.from({ length: 5000 }, (_, i) => [
      BigInt(i) - 2n ** 62n,
      `row ${i} ${'x'.repeat(i % 50)}`,
    ])
    await writeAll({ table: name, create_table: 'true', order_by: 'id', compression: 'true' }, schema, [rows])
    const back = await readAll({ table: name, order_by: 'id', compression: 'true' }, schema)
    expect(back.rows).toEqual(rows)
  })

  it('keeps identifiers that try to inject SQL as plain names', async () => {
    const canary = table('canary')
    await sql(`CREATE TABLE ${quoteIdentifier(canary)} (x Int8) ENGINE = Memory`)
    const evil = `${table('t')}\`; DROP TABLE ${canary}; --'"\\`
    created.push(evil)
    const schema = Schema.of(
      [`c\`) ENGINE = Memory; DROP TABLE ${canary}; --`, T.int64, false],
      ['it\'s \\ "quoted"', T.string],
    )
    await writeAll({ table: evil, create_table: 'true' }, schema, [
      [
        [1n, 'a'],
        [2n, 'b'],
      ],
    ])
    expect(await count(evil)).toBe(2)
    expect(await count(canary)).toBe(0)
    const back = await readAll({ table: evil }, schema)
    expect(back.rows).toHaveLength(2)
  })

  it('sends the rows the server refuses to the bad-record policy and stores the rest', async () => {
    const name = table('enum')
    await sql(
      `CREATE TABLE ${quoteIdentifier(name)} (id Int64, s Enum8('a' = 1, 'b' = 2)) ENGINE = MergeTree ORDER BY id`,
    )
    const schema = Schema.of(['id', T.int64, false], ['s', T.string, false])
    const rows: Row[] = Array.from({ length: 20 }, (_, i) => [BigInt(i), i === 7 || i === 13 ? 'nope' : 'a'])
    const { test } = await writeAll({ table: name }, schema, [rows])
    expect(await count(name)).toBe(18)
    expect(test.badRecords.map((b) => b.values?.id)).toEqual([7n, 13n])
    expect(test.badRecords[0]!.error.message).toMatch(/Unknown element 'nope'/)
    await expect(writeAll({ table: name }, schema, [[[100n, 'nope']]], 'fail')).rejects.toMatchObject({
      code: 'FERRIS_RECORD_MALFORMED',
    })
    expect(await count(name)).toBe(18)
  })

  it('reads a query as a bounded stream of batches with exact values, and resumes from a position', async () => {
    const name = table('src')
    await sql(`CREATE TABLE ${quoteIdentifier(name)} (id UInt64, d Decimal(38, 10)) ENGINE = MergeTree ORDER BY id`)
    await sql(
      `INSERT INTO ${quoteIdentifier(name)} SELECT number + 18446744073709551600, toDecimal128('12345678901234567890.0123456789', 10) FROM system.numbers LIMIT 10`,
    )
    const schema = Schema.of(['id', T.decimal(20, 0), false], ['d', T.decimal(38, 10), false])
    const query = `SELECT id, d FROM ${quoteIdentifier(name)} ORDER BY id`
    const all = await readAll({ query }, schema, 3)
    expect(all.sizes).toEqual([3, 3, 3, 1])
    expect(all.rows[0]!.map((v) => (v as Decimal).toString())).toEqual([
      '18446744073709551600',
      '12345678901234567890.0123456789',
    ])
    expect((all.rows[9]![0] as Decimal).toString()).toBe('18446744073709551609')

    const test = createTestContext()
    const source = new ClickhouseSource(options({ query }), test.context)
    await source.open()
    const reader = await source.createReader({ schema, batchSize: 100, from: 7 })
    const r = await reader.read()
    expect(r.kind === 'batch' ? r.batch.rows.map((row) => (row[0] as Decimal).toString()) : r).toEqual([
      '18446744073709551607',
      '18446744073709551608',
      '18446744073709551609',
    ])
    expect(r.position).toBe(10)
    expect((await reader.read()).kind).toBe('end')
    await reader.close()
    await source.close()
  })

  it('sends a result row that does not fit the declared schema to the bad-record policy and reads on', async () => {
    const schema = Schema.of(['id', T.int64, false], ['v', T.int64, false])
    const query = "SELECT number AS id, if(number = 2, 'x', toString(number)) AS v FROM system.numbers LIMIT 5"
    const { rows, test } = await readAll({ query }, schema)
    expect(rows).toEqual([
      [0n, 0n],
      [1n, 1n],
      [3n, 3n],
      [4n, 4n],
    ])
    expect(test.badRecords).toHaveLength(1)
    expect(test.badRecords[0]!.raw).toBe('{"id":"2","v":"x"}')
    expect(test.badRecords[0]!.error.message).toMatch(
      /Row 3 of ClickHouse source test: test.v: ClickHouse returned "x"/,
    )
  })

  it('reads a query timestamp in its declared zone, and a local one as its wall clock', async () => {
    const schema = Schema.of(['zoned', T.timestamp('ms', 'Asia/Kathmandu'), false], ['local', T.timestamp('ms'), false])
    const query =
      "SELECT toDateTime('2024-01-01 12:00:00', 'Asia/Kathmandu') AS zoned, toDateTime('2024-01-01 12:00:00', 'UTC') AS local"
    const { rows } = await readAll({ query }, schema)
    expect(rows).toEqual([[parseTimestamp('2024-01-01T06:15:00Z'), parseTimestamp('2024-01-01T12:00:00')]])
  })

  it('loses nothing when the server stops and starts in the middle of a job', async () => {
    const name = table('restart')
    const schema = Schema.of(['id', T.int64, false])
    const test = createTestContext()
    const sink = new ClickhouseSink(
      options({
        table: name,
        create_table: 'true',
        order_by: 'id',
        retries: '40',
        retry_backoff: '100',
        batch_rows: '1000',
      }),
      test.context,
    )
    await sink.open()
    await sink.validateSchema(schema)
    const writer = await sink.createWriter({ schema, jobId: 'restart' })
    const batch = (from: number) => Array.from({ length: 2500 }, (_, i): Row => [BigInt(from + i)])
    await writer.write({ schema, rows: batch(0) })
    await writer.commit({ checkpointId: 1, positions: { src: 2500 } })
    await writer.write({ schema, rows: batch(2500) })
    await stopServer()
    try {
      // While the server is down, a new connection fails saying how to start it.
      await expect(requireServer()).rejects.toThrow(/start it with tools\/services\/clickhouse\/start/)
      const committing = writer.commit({ checkpointId: 2, positions: { src: 5000 } })
      await new Promise((r) => setTimeout(r, 1500))
      await startServer()
      await committing
    } finally {
      await startServer()
    }
    await writer.write({ schema, rows: batch(5000) })
    await writer.commit({ checkpointId: 3, positions: { src: 7500 } })
    await writer.close()
    await sink.close()
    const stats = (
      await sql(`SELECT count(), uniqExact(id), min(id), max(id) FROM ${quoteIdentifier(name)} FORMAT TSV`)
    ).trim()
    expect(stats).toBe('7500\t7500\t0\t7499')
    expect(test.counters.get('insert_retries') ?? 0).toBeGreaterThan(0)
  })
})
