import { Decimal, type Row, Schema, T, type Value } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import {
  createParquetWriter,
  type ParquetWriterOptions,
  readParquet,
  readParquetSchema,
} from '../../src/parquet/index.js'
import { memoryInput, memoryOutput } from './io-helpers.js'

async function writeRows(schema: Schema, rows: Row[], options: ParquetWriterOptions = {}): Promise<Uint8Array> {
  const out = memoryOutput()
  const writer = await createParquetWriter(schema, out, { rowGroupSize: 1000, ...options })
  await writer.write({ schema, rows })
  await writer.finish()

  return out.bytes()
}

async function readAll(bytes: Uint8Array, batchSize = 1000): Promise<Value[][]> {
  const rows: Value[][] = []
  for await (const b of readParquet(memoryInput(bytes), { batchSize })) rows.push(...b.rows)

  return rows
}

const MAX_I64 = 2n ** 63n - 1n
const MIN_I64 = -(2n ** 63n)
const MAX_38 = 10n ** 38n - 1n

/** Every scalar type, with the extremes each one must keep. */
const scalarSchema = Schema.of(
  ['b', T.boolean],
  ['i32', T.int32],
  ['i64', T.int64],
  ['f64', T.float64],
  ['d38', T.decimal(38, 9)],
  ['d9', T.decimal(9, 2)],
  ['d18', T.decimal(18, 0)],
  ['d76', T.decimal(76, 20)],
  ['s', T.string],
  ['bin', T.bytes],
  ['day', T.date],
  ['t_ms', T.time('ms')],
  ['t_us', T.time('us')],
  ['t_ns', T.time('ns')],
  ['ts_ms', T.timestamp('ms')],
  ['ts_us', T.timestamp('us')],
  ['ts_ns', T.timestamp('ns')],
  ['tz_ms', T.timestamp('ms', 'UTC')],
  ['tz_us', T.timestamp('us', 'UTC')],
  ['tz_ns', T.timestamp('ns', 'Europe/Paris')],
)

const scalarRows: Row[] = [
  [
    true,
    2 ** 31 - 1,
    MAX_I64,
    1.7976931348623157e308,
    new Decimal(MAX_38, 9),
    new Decimal(999_999_999n, 2),
    new Decimal(10n ** 18n - 1n, 0),
    new Decimal(10n ** 76n - 1n, 20),
    'plain ascii',
    new Uint8Array([0, 1, 2, 255]),
    2_932_896, // 9999-12-31
    86_399_999_000_000n,
    86_399_999_999_000n,
    86_399_999_999_999n,
    1_700_000_000_123_000_000n,
    1_700_000_000_123_456_000n,
    1_700_000_000_123_456_789n,
    253_402_300_799_999_000_000n, // 9999-12-31T23:59:59.999
    1_700_000_000_123_456_000n,
    MAX_I64,
  ],
  [
    false,
    -(2 ** 31),
    MIN_I64,
    -5e-324,
    new Decimal(-MAX_38, 9),
    new Decimal(-999_999_999n, 2),
    new Decimal(-(10n ** 18n - 1n), 0),
    new Decimal(-(10n ** 76n - 1n), 20),
    'é€😀 mixed \u0000 nul',
    new Uint8Array([]),
    -719_162, // 0001-01-01
    0n,
    1n * 1000n,
    1n,
    -1_000_000n, // one millisecond before 1970
    -1_000n,
    -1n,
    -62_135_596_800_000_000_000n, // 0001-01-01T00:00:00Z
    -1_234_567_000n,
    MIN_I64,
  ],
  [
    true,
    0,
    0n,
    Number.NaN,
    new Decimal(1n, 9),
    new Decimal(0n, 2),
    new Decimal(0n, 0),
    new Decimal(-1n, 20),
    '',
    new Uint8Array([42]),
    0,
    3_723_123_000_000n,
    3_723_123_456_000n,
    3_723_123_456_789n,
    0n,
    0n,
    0n,
    0n,
    0n,
    0n,
  ],
  // NULL in every column
  scalarSchema.fields.map(() => null),
]

describe('parquet: round trip of every type', () => {
  it('keeps every scalar type exact, extremes and NULLs included', async () => {
    const bytes = await writeRows(scalarSchema, scalarRows)
    const schema = await readParquetSchema(memoryInput(bytes))
    expect(schema.toString()).toBe(scalarSchema.toString())
    const rows = await readAll(bytes)
    expect(rows).toEqual(scalarRows)
    // toEqual compares Decimal fields; say it in decimal text too, as a reader of the test would.
    expect((rows[0]![4] as Decimal).toString()).toBe('99999999999999999999999999999.999999999')
    expect((rows[1]![4] as Decimal).toString()).toBe('-99999999999999999999999999999.999999999')
    expect(Object.is(rows[2]![3], Number.NaN)).toBe(true)
  })

  it('keeps -0 and infinities in DOUBLE columns', async () => {
    const schema = Schema.of(['f', T.float64])
    const rows: Row[] = [[-0], [Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY], [0.1 + 0.2]]
    const back = await readAll(await writeRows(schema, rows))
    expect(Object.is(back[0]![0], -0)).toBe(true)
    expect(back.slice(1)).toEqual(rows.slice(1))
  })

  it('floors nanoseconds finer than the column unit toward the past', async () => {
    const schema = Schema.of(['ms', T.timestamp('ms')], ['us', T.timestamp('us')], ['t', T.time('ms')])
    const rows: Row[] = [
      [1_999_999n, 1_999n, 1_999_999n],
      [-1n, -1n, 0n],
      [-1_000_001n, -1_001n, 999_999n],
    ]
    expect(await readAll(await writeRows(schema, rows))).toEqual([
      [1_000_000n, 1_000n, 1_000_000n],
      [-1_000_000n, -1_000n, 0n],
      [-2_000_000n, -2_000n, 0n],
    ])
  })

  it('keeps nested lists, structs and maps with NULLs at every level', async () => {
    const schema = new Schema([
      { name: 'ints', type: T.list(T.int64), nullable: true },
      { name: 'nested', type: T.list(T.list(T.string)), nullable: true },
      {
        name: 'point',
        type: T.struct([
          { name: 'x', type: T.int64, nullable: false },
          { name: 'label', type: T.string, nullable: true },
          { name: 'prices', type: T.list(T.decimal(38, 9)), nullable: true },
          { name: 'at', type: T.timestamp('ns', 'UTC'), nullable: true },
        ]),
        nullable: true,
      },
      { name: 'tags', type: T.map(T.string, T.int64), nullable: true },
      {
        name: 'items',
        type: T.list(
          T.struct([
            { name: 'sku', type: T.string, nullable: true },
            { name: 'qty', type: T.int32, nullable: true },
          ]),
        ),
        nullable: true,
      },
      { name: 'req', type: T.list(T.int32), nullable: false },
    ])
    const rows: Row[] = [
      [
        [MAX_I64, MIN_I64, null],
        [['a', null], [], null, ['b']],
        { x: 1n, label: 'one', prices: [new Decimal(MAX_38, 9), null], at: -1n },
        new Map<Value, Value>([
          ['k1', 1n],
          ['k2', null],
        ]),
        [{ sku: 'A', qty: 2 }, null, { sku: null, qty: null }],
        [1, 2],
      ],
      [[], [], { x: -1n, label: null, prices: [], at: null }, new Map(), [], []],
      [null, null, null, null, null, [null]],
    ]
    const bytes = await writeRows(schema, rows)
    expect((await readParquetSchema(memoryInput(bytes))).toString()).toBe(schema.toString())
    expect(await readAll(bytes)).toEqual(rows)
  })

  it('writes and reads back an empty file with its schema', async () => {
    const bytes = await writeRows(scalarSchema, [])
    expect((await readParquetSchema(memoryInput(bytes))).toString()).toBe(scalarSchema.toString())
    expect(await readAll(bytes)).toEqual([])
  })

  it('writes the same bytes whether it encodes on a worker thread or inline', async () => {
    const schema = Schema.of(['i', T.int64], ['s', T.string], ['d', T.decimal(38, 9)], ['l', T.list(T.timestamp('ns'))])
    const rows: Row[] = Array.from({ length: 10_000 }, (_, i) => [
      BigInt(i) * 1_000_003n,
      i % 5 === 0 ? null : `v${i % 77}`,
      new Decimal(BigInt(i) * 10n ** 20n, 9),
      [BigInt(i) - 5000n, null],
    ])
    const viaWorker = await writeRows(schema, rows, { rowGroupSize: 1000, worker: true })
    const inline = await writeRows(schema, rows, { rowGroupSize: 1000, worker: false })
    expect(Buffer.compare(viaWorker, inline)).toBe(0)
    expect(await readAll(viaWorker)).toEqual(rows)
  })

  it('encodes file after file on reused threads, with each file its own settings, also after an aborted file', async () => {
    // Encoder threads that ended a file cleanly are kept for the next file; each file brings its own settings.
    const schema = Schema.of(['i', T.int64], ['s', T.string])
    const rowsOf = (k: number): Row[] => Array.from({ length: 3000 }, (_, i) => [BigInt(i * k), `r${(i * k) % 13}`])
    const files = [
      { rows: rowsOf(1), compression: 'zstd' as const },
      { rows: rowsOf(2), compression: 'snappy' as const },
      { rows: rowsOf(3), compression: 'none' as const },
    ]
    const expected = await Promise.all(
      files.map((f) => writeRows(schema, f.rows, { compression: f.compression, worker: false })),
    )
    const first = await writeRows(schema, files[0]!.rows, { compression: 'zstd', worker: true })
    const aborted = await createParquetWriter(schema, memoryOutput(), { rowGroupSize: 1000, worker: true })
    await aborted.write({ schema, rows: files[1]!.rows })
    await aborted.abort()
    // Two at once need two threads; then both go back to wait for the next files.
    const [second, third] = await Promise.all(
      files.slice(1).map((f) => writeRows(schema, f.rows, { compression: f.compression, worker: true })),
    )
    const again = await writeRows(schema, files[2]!.rows, { compression: 'none', worker: true })
    for (const [i, bytes] of [first, second, third].entries()) {
      expect(Buffer.compare(bytes!, expected[i]!), `file ${i}`).toBe(0)
    }
    expect(Buffer.compare(again, expected[2]!)).toBe(0)
    expect(await readAll(second!)).toEqual(files[1]!.rows)
  })

  it.each(['zstd', 'snappy', 'gzip', 'none'] as const)('writes %s-compressed files', async (compression) => {
    const schema = Schema.of(['i', T.int64], ['s', T.string])
    const rows: Row[] = Array.from({ length: 5000 }, (_, i) => [BigInt(i) * 3n, `row ${i % 10}`])
    const bytes = await writeRows(schema, rows, { compression })
    expect(await readAll(bytes)).toEqual(rows)
  })
})
