/**
 * The type mapping for current ClickHouse, proven against a current engine: chdb (ClickHouse 26.x in a
 * Python process). The real sink creates the table with the DDL our mapping generates and inserts the
 * JSONEachRow our encoder produces, with its de-duplication tokens; the real source reads it back. Only the
 * transport differs from production (a pipe to chdb instead of HTTP, which the 18.16 tests cover).
 */
import { type DataType, Decimal, Interval, parseTimestamp, type Row, Schema, T } from '@ferris/core'
import { createTestContext } from '@ferris/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickhouseConnection } from '../src/client/connection.js'
import { ClickhouseSink } from '../src/sink/clickhouse-sink.js'
import { ClickhouseSource } from '../src/source/clickhouse-source.js'
import { ChdbConnection, chdbPython } from './helpers/chdb-connection.js'
import { normalize } from './helpers/normalize.js'
import { options } from './helpers/server.js'

let chdb: ChdbConnection
/** Sink and source close their connection; the test keeps the one chdb session until the end. */
let shared: ClickhouseConnection

beforeAll(async () => {
  chdb = new ChdbConnection(await chdbPython())
  shared = { ...bind(chdb), close: async () => {} }
}, 300_000)
afterAll(async () => {
  await chdb?.close()
})

function bind(c: ChdbConnection): ClickhouseConnection {
  return {
    command: c.command.bind(c),
    rows: c.rows.bind(c),
    insert: c.insert.bind(c),
    stream: c.stream.bind(c),
    close: c.close.bind(c),
  }
}

const struct = T.struct([
  { name: 'a', type: T.int32, nullable: false },
  { name: 'b c', type: T.decimal(10, 2), nullable: true },
])
const fields: Array<[string, DataType, boolean]> = [
  ['id', T.int64, false],
  ['ts', T.timestamp('ns', 'UTC'), false],
  ['berlin', T.timestamp('us', 'Europe/Berlin'), true],
  ['local', T.timestamp('ms'), false],
  ['d', T.decimal(38, 9), true],
  ['d76', T.decimal(76, 20), false],
  ['m', T.map(T.string, T.int64), false],
  ['mi', T.map(T.int64, T.decimal(20, 2)), false],
  ['lc', T.string, false],
  ['lcn', T.string, true],
  ['arr', T.list(T.timestamp('ns', 'UTC')), false],
  ['st', struct, false],
  ['dt', T.date, true],
  ['b', T.boolean, true],
  ['f', T.float64, false],
  ['i32', T.int32, false],
  ['s', T.string, true],
  ['by', T.bytes, false],
  ['tm', T.time('ns'), false],
  ['iv', T.interval, false],
]
const schema = Schema.of(...fields)
const ts = (text: string) => parseTimestamp(text)
const utf8 = (s: string) => new TextEncoder().encode(s)

const rows: Row[] = [
  [
    -(2n ** 63n),
    ts('1900-01-01T00:00:00.000000001Z'),
    // 02:30 CEST on the night clocks go back: the wall clock occurs twice in Berlin.
    ts('2024-10-27T00:30:00.123456Z'),
    ts('2024-02-29T23:59:59.999Z'),
    Decimal.parse('12345678901234567890123456789.123456789'),
    Decimal.parse('12345678901234567890123456789012345678901234567890123456.12345678901234567890'),
    new Map([
      ['a', 2n ** 63n - 1n],
      ['', null],
    ]),
    new Map([[-5n, Decimal.parse('-999999999999999999.99')]]),
    'low',
    null,
    [ts('2262-04-11T23:47:16.854775807Z'), null],
    { a: -2147483648, 'b c': null },
    -25567,
    true,
    Number.NaN,
    2147483647,
    'quote " backslash \\ tab \t 😀',
    utf8('bytes ✓'),
    86_399_999_999_999n,
    new Interval(14, -3, 4_000_000_001n),
  ],
  [
    2n ** 63n - 1n,
    ts('2024-10-27T00:30:00.123456789Z'),
    ts('2024-10-27T01:30:00.123456Z'),
    ts('1969-12-31T23:59:59.999Z'),
    Decimal.parse('-0.000000001'),
    Decimal.parse('0.00000000000000000000'),
    new Map(),
    new Map(),
    '',
    'x',
    [],
    { a: 0, 'b c': Decimal.parse('-0.01') },
    120529,
    false,
    Number.NEGATIVE_INFINITY,
    0,
    null,
    utf8(''),
    0n,
    new Interval(0, 0, 0n),
  ],
  [
    0n,
    0n,
    null,
    0n,
    null,
    Decimal.parse('-1.00000000000000000001'),
    new Map([['k', 0n]]),
    new Map([[0n, null]]),
    'low',
    'low',
    [0n],
    { a: 1, 'b c': Decimal.parse('99999999.99') },
    null,
    null,
    1e308,
    -1,
    '',
    utf8('z'),
    1n,
    new Interval(0, 0, -1n),
  ],
]

async function write(
  table: string,
  jobId: string,
  checkpointId: number,
  batches: Row[][],
  raw: Record<string, string> = {},
) {
  const test = createTestContext()
  const sink = new ClickhouseSink(
    options({ database: 'default', table, create_table: 'true', ...raw }),
    test.context,
    () => shared,
  )
  await sink.open()
  await sink.validateSchema(schema)
  const writer = await sink.createWriter({ schema, jobId })
  for (const b of batches) await writer.write({ schema, rows: b })
  await writer.commit({ checkpointId, positions: { src: checkpointId } })
  await writer.close()
  await sink.close()

  return { test, sink }
}

async function count(): Promise<number> {
  const [row] = await chdb.rows('SELECT toString(count()) AS n FROM default.types')

  return Number(row!.n)
}

async function read(table: string) {
  const test = createTestContext()
  const source = new ClickhouseSource(
    options({ database: 'default', table, order_by: 'id' }),
    test.context,
    () => shared,
  )
  await source.open()
  const reader = await source.createReader({ schema, batchSize: 2 })
  const out: Row[] = []
  for (let r = await reader.read(); r.kind === 'batch'; r = await reader.read()) out.push(...r.batch.rows)
  await reader.close()
  await source.close()

  return { rows: out, test }
}

describe('[clickhouse] type mapping on a current engine (chdb)', () => {
  const mapping = { low_cardinality: 'lc,lcn', order_by: 'id' }

  it('creates the columns the README promises', async () => {
    const { sink } = await write('types', 'job', 1, [rows], mapping)
    expect(sink.server!.features.dateTime64).toBe(true)
    expect(sink.capabilities.idempotent).toBe(true)
    const columns = await chdb.rows(
      "SELECT name, type FROM system.columns WHERE database = 'default' AND table = 'types'",
    )
    expect(Object.fromEntries(columns.map((c) => [c.name, c.type]))).toEqual({
      id: 'Int64',
      ts: "DateTime64(9, 'UTC')",
      berlin: "Nullable(DateTime64(6, 'Europe/Berlin'))",
      local: "DateTime64(3, 'UTC')",
      d: 'Nullable(Decimal(38, 9))',
      d76: 'Decimal(76, 20)',
      m: 'Map(String, Nullable(Int64))',
      mi: 'Map(Int64, Nullable(Decimal(20, 2)))',
      lc: 'LowCardinality(String)',
      lcn: 'LowCardinality(Nullable(String))',
      arr: "Array(Nullable(DateTime64(9, 'UTC')))",
      st: 'Tuple(a Int32, `b c` Nullable(Decimal(10, 2)))',
      dt: 'Nullable(Date32)',
      b: 'Nullable(Bool)',
      f: 'Float64',
      i32: 'Int32',
      s: 'Nullable(String)',
      by: 'String',
      tm: 'String',
      iv: 'String',
    })
  })

  it('reads back exactly what it wrote, for every type', async () => {
    const back = await read('types')
    expect(back.test.badRecords).toEqual([])
    const byId = (r: Row) => r[0] as bigint
    expect(back.rows.map(normalize)).toEqual([...rows].sort((a, b) => (byId(a) < byId(b) ? -1 : 1)).map(normalize))
  })

  it('drops a replayed checkpoint by its tokens, and keeps a new one', async () => {
    expect(await count()).toBe(3)
    // A restarted job rebuilds checkpoint 1 from the same positions, in other batch sizes.
    await write('types', 'job', 1, [rows.slice(0, 1), rows.slice(1)], mapping)
    expect(await count()).toBe(3)
    // Another job's block with the same rows is not mistaken for this one's.
    await write('types', 'other-job', 1, [rows], mapping)
    expect(await count()).toBe(6)
    await write('types', 'job', 2, [rows], mapping)
    expect(await count()).toBe(9)
  })
})
