import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { Decimal, type Row, Schema, T, typeToString, type Value } from '@ferris/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createParquetWriter, readParquet, readParquetInfo, readParquetSchema } from '../../src/parquet/index.js'
import { fileInput, fileOutput } from './io-helpers.js'

/**
 * DuckDB is an independent Parquet implementation (C++, not the Rust crate inside parquet-wasm): it reads what we
 * write and writes what we read, and every value is compared exactly, as text or integers, never as floats.
 */

let dir: string
let db: DuckDBInstance

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferris-parquet-duckdb-'))
  db = await DuckDBInstance.create(':memory:')
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

async function query(sql: string): Promise<unknown[][]> {
  const c = await db.connect()
  try {
    return (await c.runAndReadAll(sql)).getRows() as unknown[][]
  } finally {
    c.closeSync()
  }
}

const MAX_I64 = 2n ** 63n - 1n
const MIN_I64 = -(2n ** 63n)
const MAX_38 = 10n ** 38n - 1n

describe('parquet: DuckDB reads what Ferris writes', () => {
  const schema = new Schema([
    { name: 'id', type: T.int64, nullable: false },
    { name: 'i64', type: T.int64, nullable: true },
    { name: 'i32', type: T.int32, nullable: true },
    { name: 'f64', type: T.float64, nullable: true },
    { name: 'd38', type: T.decimal(38, 9), nullable: true },
    { name: 'd9', type: T.decimal(9, 2), nullable: true },
    { name: 's', type: T.string, nullable: true },
    { name: 'bin', type: T.bytes, nullable: true },
    { name: 'ok', type: T.boolean, nullable: true },
    { name: 'day', type: T.date, nullable: true },
    { name: 'tod', type: T.time('us'), nullable: true },
    { name: 'ts_ms', type: T.timestamp('ms'), nullable: true },
    { name: 'ts_us', type: T.timestamp('us'), nullable: true },
    { name: 'ts_ns', type: T.timestamp('ns'), nullable: true },
    { name: 'tz_us', type: T.timestamp('us', 'UTC'), nullable: true },
    { name: 'ints', type: T.list(T.int64), nullable: true },
    {
      name: 'point',
      type: T.struct([
        { name: 'a', type: T.int64, nullable: true },
        { name: 'b', type: T.string, nullable: true },
      ]),
      nullable: true,
    },
    { name: 'tags', type: T.map(T.string, T.int64), nullable: true },
  ])
  const rows: Row[] = [
    [
      1n,
      MAX_I64,
      2 ** 31 - 1,
      1.7976931348623157e308,
      new Decimal(MAX_38, 9),
      new Decimal(999_999_999n, 2),
      'héllo, "world"',
      new Uint8Array([0, 255]),
      true,
      -719_162,
      86_399_999_999_000n,
      -1_000_000n,
      -315_619_199_876_544_000n,
      -315_619_199_876_543_211n,
      1_700_000_000_123_456_000n,
      [MAX_I64, null, MIN_I64],
      { a: 7n, b: 'x y' },
      new Map<Value, Value>([['k', 1n]]),
    ],
    [
      2n,
      MIN_I64,
      -(2 ** 31),
      -0.5,
      new Decimal(-MAX_38, 9),
      new Decimal(-1n, 2),
      '',
      new Uint8Array([]),
      false,
      2_932_896,
      0n,
      1_700_000_000_123_000_000n,
      1_999n * 1000n,
      1n,
      -1_000n,
      [],
      { a: null, b: null },
      new Map(),
    ],
    [3n, ...schema.fields.slice(1).map(() => null)],
  ]

  it('reads every column back exactly', async () => {
    const path = join(dir, 'ferris-all-types.parquet')
    const out = await fileOutput(path)
    const writer = await createParquetWriter(schema, out, { rowGroupSize: 2 })
    await writer.write({ schema, rows })
    await writer.finish()
    await out.close()

    const got = await query(`
      SELECT id, i64, i32, f64::VARCHAR, d38::VARCHAR, d9::VARCHAR, s, bin::VARCHAR, ok, day::VARCHAR, tod::VARCHAR,
             epoch_ms(ts_ms), epoch_us(ts_us), epoch_ns(ts_ns), epoch_us(tz_us), ints::VARCHAR, point::VARCHAR, tags::VARCHAR
      FROM '${path}' ORDER BY id`)
    expect(got).toEqual([
      [
        1n,
        MAX_I64,
        2 ** 31 - 1,
        '1.7976931348623157e+308',
        '99999999999999999999999999999.999999999',
        '9999999.99',
        'héllo, "world"',
        '\\x00\\xFF',
        true,
        '0001-01-01',
        '23:59:59.999999',
        -1n,
        -315_619_199_876_544n,
        -315_619_199_876_543_211n,
        1_700_000_000_123_456n,
        `[${MAX_I64}, NULL, ${MIN_I64}]`,
        "{'a': 7, 'b': x y}",
        '{k=1}',
      ],
      [
        2n,
        MIN_I64,
        -(2 ** 31),
        '-0.5',
        '-99999999999999999999999999999.999999999',
        '-0.01',
        '',
        '',
        false,
        '9999-12-31',
        '00:00:00',
        1_700_000_000_123n,
        1_999n,
        1n,
        -1n,
        '[]',
        "{'a': NULL, 'b': NULL}",
        '{}',
      ],
      [3n, ...schema.fields.slice(1).map(() => null)],
    ])
  })

  it('declares the Parquet types DuckDB maps to the same SQL types', async () => {
    const path = join(dir, 'ferris-all-types.parquet')
    const types = await query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${path}')`)
    expect(Object.fromEntries(types as [string, string][])).toEqual({
      id: 'BIGINT',
      i64: 'BIGINT',
      i32: 'INTEGER',
      f64: 'DOUBLE',
      d38: 'DECIMAL(38,9)',
      d9: 'DECIMAL(9,2)',
      s: 'VARCHAR',
      bin: 'BLOB',
      ok: 'BOOLEAN',
      day: 'DATE',
      tod: 'TIME',
      // DuckDB reads millisecond timestamps as its microsecond TIMESTAMP; the Parquet unit is checked below.
      ts_ms: 'TIMESTAMP',
      ts_us: 'TIMESTAMP',
      ts_ns: 'TIMESTAMP_NS',
      tz_us: 'TIMESTAMP WITH TIME ZONE',
      ints: 'BIGINT[]',
      point: 'STRUCT(a BIGINT, b VARCHAR)',
      tags: 'MAP(VARCHAR, BIGINT)',
    })
    const units = await query(
      `SELECT name, logical_type FROM parquet_schema('${path}') WHERE name IN ('ts_ms', 'ts_us', 'ts_ns', 'tz_us') ORDER BY name`,
    )
    expect(units).toEqual([
      ['ts_ms', 'TimestampType(isAdjustedToUTC=0, unit=TimeUnit(MILLIS=MilliSeconds(), MICROS=<null>, NANOS=<null>))'],
      ['ts_ns', 'TimestampType(isAdjustedToUTC=0, unit=TimeUnit(MILLIS=<null>, MICROS=<null>, NANOS=NanoSeconds()))'],
      ['ts_us', 'TimestampType(isAdjustedToUTC=0, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))'],
      ['tz_us', 'TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))'],
    ])
    const meta = await query(
      `SELECT count(DISTINCT row_group_id), sum(row_group_num_rows) FROM parquet_metadata('${path}') WHERE column_id = 0`,
    )
    expect(meta).toEqual([[2n, 3n]])
  })
})

describe('parquet: Ferris reads what DuckDB writes', () => {
  let path: string

  beforeAll(async () => {
    path = join(dir, 'duckdb-written.parquet')
    await query(`
      COPY (
        SELECT i::BIGINT AS id,
               CASE i WHEN 0 THEN 9223372036854775807 WHEN 1 THEN -9223372036854775808 WHEN 2 THEN NULL ELSE i * 1000 END::BIGINT AS big,
               CASE i WHEN 0 THEN 99999999999999999999999999999.999999999::DECIMAL(38,9)
                      WHEN 1 THEN -99999999999999999999999999999.999999999::DECIMAL(38,9)
                      WHEN 2 THEN NULL ELSE (i * 1.000000001)::DECIMAL(38,9) END AS d38,
               (i * 1.001)::DECIMAL(18,3) AS d18,
               (i * 1.01)::DECIMAL(9,2) AS d9,
               (i * 0.1)::DECIMAL(4,1) AS d4,
               CASE WHEN i = 1 THEN NULL ELSE TIMESTAMP '1969-12-31 23:59:59.999999' + INTERVAL (i) SECOND END AS ts,
               (TIMESTAMP_MS '1960-06-15 12:00:00.123' + INTERVAL (i) MINUTE)::TIMESTAMP_MS AS ts_ms,
               make_timestamp_ns(-315619199876543211 + i * 1000) AS ts_ns,
               TIMESTAMPTZ '2024-03-10 01:59:59.999999+00' + INTERVAL (i) HOUR AS tz,
               DATE '1970-01-01' - i::INT AS day,
               TIME '23:59:59.999999' AS tod,
               CASE WHEN i % 3 = 0 THEN NULL ELSE [i, NULL, i + 1] END AS ints,
               [[('s' || i), NULL], []] AS nested,
               {'a': i, 'b': CASE WHEN i = 0 THEN NULL ELSE 'b' || i END, 'c': [1.5::DECIMAL(5,2)]} AS st,
               MAP {'k' || i: i::BIGINT} AS m,
               18446744073709551615::UBIGINT - i::UBIGINT AS ub,
               4294967295::UINTEGER AS ui,
               (-32768)::SMALLINT AS sm,
               (-128)::TINYINT AS ti,
               0.5::FLOAT AS fl,
               '\\x00\\xFF'::BLOB AS bl,
               i % 2 = 0 AS even,
               '00000000-0000-0000-0000-0000000000ff'::UUID AS id_uuid,
               '{"a": [1, 2]}'::JSON AS doc
        FROM range(5000) r(i)
      ) TO '${path}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`)
  })

  it('maps every DuckDB column type to the exact core type', async () => {
    const input = fileInput(path)
    try {
      const schema = await readParquetSchema(input)
      expect(Object.fromEntries(schema.fields.map((f) => [f.name, typeToString(f.type)]))).toEqual({
        id: 'BIGINT',
        big: 'BIGINT',
        d38: 'DECIMAL(38, 9)',
        d18: 'DECIMAL(18, 3)',
        d9: 'DECIMAL(9, 2)',
        d4: 'DECIMAL(4, 1)',
        ts: 'TIMESTAMP(6)',
        ts_ms: 'TIMESTAMP(3)',
        ts_ns: 'TIMESTAMP(9)',
        tz: "TIMESTAMP(6) WITH TIME ZONE 'UTC'",
        day: 'DATE',
        tod: 'TIME(6)',
        ints: 'LIST<BIGINT>',
        nested: 'LIST<LIST<STRING>>',
        st: 'STRUCT<a BIGINT, b STRING, c LIST<DECIMAL(5, 2)>>',
        m: 'MAP<STRING, BIGINT>',
        ub: 'DECIMAL(20, 0)',
        ui: 'BIGINT',
        sm: 'INT',
        ti: 'INT',
        fl: 'DOUBLE',
        bl: 'BYTES',
        even: 'BOOLEAN',
        id_uuid: 'BYTES',
        doc: 'STRING',
      })
    } finally {
      await input.close()
    }
  })

  it('reads the values exactly', async () => {
    const input = fileInput(path)
    const rows: Row[] = []
    let names: string[]
    try {
      names = (await readParquetSchema(input)).names
      for await (const batch of readParquet(input, { batchSize: 1000 })) rows.push(...batch.rows)
    } finally {
      await input.close()
    }
    expect(rows).toHaveLength(5000)
    const row = (i: number) => Object.fromEntries(names.map((n, k) => [n, rows[i]![k]]))
    expect(row(0)).toEqual({
      id: 0n,
      big: MAX_I64,
      d38: new Decimal(MAX_38, 9),
      d18: new Decimal(0n, 3),
      d9: new Decimal(0n, 2),
      d4: new Decimal(0n, 1),
      ts: -1_000n,
      ts_ms: -301_233_599_877_000_000n, // 1960-06-15T12:00:00.123
      ts_ns: -315_619_199_876_543_211n,
      tz: 1_710_035_999_999_999_000n,
      day: 0,
      tod: 86_399_999_999_000n,
      ints: null,
      nested: [['s0', null], []],
      st: { a: 0n, b: null, c: [new Decimal(150n, 2)] },
      m: new Map([['k0', 0n]]),
      ub: new Decimal(2n ** 64n - 1n, 0),
      ui: 4_294_967_295n,
      sm: -32768,
      ti: -128,
      fl: 0.5,
      bl: new Uint8Array([0, 255]),
      even: true,
      id_uuid: new Uint8Array([...new Array(15).fill(0), 255]),
      doc: '{"a": [1, 2]}',
    })
    expect(row(1)).toMatchObject({
      big: MIN_I64,
      d38: new Decimal(-MAX_38, 9),
      ts: null,
      ints: [1n, null, 2n],
      day: -1,
    })
    expect(row(2)).toMatchObject({ big: null, d38: null, d18: new Decimal(2002n, 3), d9: new Decimal(202n, 2) })
    expect(row(4999)).toMatchObject({
      id: 4999n,
      big: 4_999_000n,
      d38: new Decimal(4_999_000_004_999n, 9),
      ts_ns: -315_619_199_876_543_211n + 4999n * 1000n,
      ub: new Decimal(2n ** 64n - 1n - 4999n, 0),
    })
    // The whole file agrees with DuckDB's own reading, column by column, as exact text.
    const expected = await query(`
      SELECT id::VARCHAR, big::VARCHAR, d38::VARCHAR, d18::VARCHAR, d9::VARCHAR, d4::VARCHAR, epoch_us(ts)::VARCHAR,
             epoch_ms(ts_ms)::VARCHAR, epoch_ns(ts_ns)::VARCHAR, epoch_us(tz)::VARCHAR, (day - DATE '1970-01-01')::VARCHAR,
             ints::VARCHAR, ub::VARCHAR
      FROM '${path}' ORDER BY id`)
    const text = (v: Value, div = 1n): string | null =>
      v === null ? null : typeof v === 'bigint' ? String(v / div) : String(v)
    const list = (v: Value): string | null =>
      v === null ? null : `[${(v as Value[]).map((x) => (x === null ? 'NULL' : String(x))).join(', ')}]`
    const ours = rows.map((r) => [
      text(r[0]!),
      text(r[1]!),
      text(r[2]!),
      text(r[3]!),
      text(r[4]!),
      text(r[5]!),
      text(r[6]!, 1000n),
      text(r[7]!, 1_000_000n),
      text(r[8]!),
      text(r[9]!, 1000n),
      text(r[10]!),
      list(r[12]!),
      text(r[16]!),
    ])
    expect(ours).toEqual(expected)
  })

  it('resumes at any row index, across row groups, without losing or repeating rows', async () => {
    const input = fileInput(path)
    try {
      const info = await readParquetInfo(input)
      expect(info.rowGroups.length).toBeGreaterThan(1)
      expect(info.numRows).toBe(5000)
      for (const from of [0, 1, 2047, 2048, 2049, 4095, 4999, 5000]) {
        const ids: bigint[] = []
        for await (const batch of readParquet(input, { batchSize: 700, fromRow: from })) {
          for (const r of batch.rows) ids.push(r[0] as bigint)
          expect(batch.endRow).toBe(from + ids.length)
        }
        expect(ids).toEqual(Array.from({ length: 5000 - from }, (_, i) => BigInt(from + i)))
      }
    } finally {
      await input.close()
    }
  })
})

describe('parquet: files Ferris cannot read', () => {
  it('names the column whose type has no Ferris counterpart', async () => {
    const path = join(dir, 'duckdb-interval.parquet')
    await query(`COPY (SELECT 1 AS id, INTERVAL 3 DAY AS span) TO '${path}' (FORMAT parquet)`)
    const input = fileInput(path)
    try {
      const error = await readParquetSchema(input).then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string; context: { subject?: string } },
      )
      expect(error?.code).toBe('FERRIS_UNSUPPORTED')
      expect(error?.context.subject).toBe('span')
      expect(error?.message).toContain(`Column span in ${path} has Arrow type`)
    } finally {
      await input.close()
    }
  })
})
