import { Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { parseServerVersion } from '../../src/server-version.js'
import { parseClickhouseType, splitTopLevel, tupleElement } from '../../src/types/clickhouse-type.js'
import { clickhouseColumnType, coreTypeOf, createTableSql } from '../../src/types/type-mapping.js'

const CURRENT = parseServerVersion('26.9.2.1')
const OLD = parseServerVersion('18.16.1')
const plain = { lowCardinality: [] as string[], timestampFallback: 'fail' as const }

const everyType = new Schema([
  { name: 'b', type: T.boolean, nullable: false },
  { name: 'i', type: T.int32, nullable: false },
  { name: 'l', type: T.int64, nullable: true },
  { name: 'f', type: T.float64, nullable: false },
  { name: 'd', type: T.decimal(38, 9), nullable: false },
  { name: 's', type: T.string, nullable: true },
  { name: 'lc', type: T.string, nullable: false },
  { name: 'by', type: T.bytes, nullable: false },
  { name: 'dt', type: T.date, nullable: false },
  { name: 'tm', type: T.time('us'), nullable: false },
  { name: 'ts', type: T.timestamp('ns', 'UTC'), nullable: false },
  { name: 'tz', type: T.timestamp('ms', 'Europe/Berlin'), nullable: true },
  { name: 'local', type: T.timestamp('us'), nullable: false },
  { name: 'iv', type: T.interval, nullable: false },
  { name: 'arr', type: T.list(T.int64), nullable: false },
  { name: 'm', type: T.map(T.string, T.decimal(20, 2)), nullable: false },
  {
    name: 'st',
    type: T.struct([
      { name: 'a', type: T.int32, nullable: false },
      { name: 'b c', type: T.string, nullable: true },
    ]),
    nullable: false,
  },
])

describe('[clickhouse] type mapping', () => {
  it('maps every core type to a current server type', () => {
    const types = everyType.fields.map((f) => clickhouseColumnType(f, CURRENT, { ...plain, lowCardinality: ['lc'] }))
    expect(types).toEqual([
      'Bool',
      'Int32',
      'Nullable(Int64)',
      'Float64',
      'Decimal(38, 9)',
      'Nullable(String)',
      'LowCardinality(String)',
      'String',
      'Date32',
      'String',
      "DateTime64(9, 'UTC')",
      "Nullable(DateTime64(3, 'Europe/Berlin'))",
      "DateTime64(6, 'UTC')",
      'String',
      'Array(Nullable(Int64))',
      'Map(String, Nullable(Decimal(20, 2)))',
      'Tuple(`a` Int32, `b c` Nullable(String))',
    ])
  })

  it('says which column an old server cannot hold and which version it needs', () => {
    const ts = everyType.field('ts')!
    expect(() => clickhouseColumnType(ts, OLD, plain)).toThrow(
      /column ts is TIMESTAMP\(9\) WITH TIME ZONE 'UTC', which needs DateTime64 \(ClickHouse 20\.1 or later\); the server is 18\.16\.1/,
    )
    expect(() => clickhouseColumnType(everyType.field('m')!, OLD, plain)).toThrow(
      /column m needs MAP<STRING, DECIMAL\(20, 2\)>, which ClickHouse has from 21\.8 on; the server is 18\.16\.1/,
    )
    expect(() => clickhouseColumnType(everyType.field('lc')!, OLD, { ...plain, lowCardinality: ['lc'] })).toThrow(
      expect.objectContaining({ code: 'FERRIS_UNSUPPORTED' }),
    )
  })

  it('uses the documented fallbacks on an old server', () => {
    const ts = everyType.field('ts')!
    expect(clickhouseColumnType(ts, OLD, { ...plain, timestampFallback: 'datetime' })).toBe("DateTime('UTC')")
    expect(clickhouseColumnType(ts, OLD, { ...plain, timestampFallback: 'int64' })).toBe('Int64')
    expect(clickhouseColumnType(everyType.field('b')!, OLD, plain)).toBe('UInt8')
    expect(clickhouseColumnType(everyType.field('dt')!, OLD, plain)).toBe('Date')
    expect(clickhouseColumnType(everyType.field('st')!, OLD, plain)).toBe('Tuple(Int32, Nullable(String))')
  })

  it('writes CREATE TABLE with quoted names, ORDER BY and a dedup window on current servers', () => {
    const schema = Schema.of(['id`; DROP TABLE x; --', T.int64, false], ['v', T.string])
    const sql = createTableSql('`ferris`.`t`', schema, CURRENT, {
      ...plain,
      engine: 'MergeTree',
      orderBy: ['id`; DROP TABLE x; --'],
    })
    expect(sql).toBe(
      'CREATE TABLE IF NOT EXISTS `ferris`.`t` (\n  `id\\`; DROP TABLE x; --` Int64,\n  `v` Nullable(String)\n) ENGINE = MergeTree ORDER BY (`id\\`; DROP TABLE x; --`) SETTINGS non_replicated_deduplication_window = 1000',
    )
    expect(createTableSql('`ferris`.`t`', schema, OLD, { ...plain, engine: 'MergeTree', orderBy: [] })).toBe(
      'CREATE TABLE IF NOT EXISTS `ferris`.`t` (\n  `id\\`; DROP TABLE x; --` Int64,\n  `v` Nullable(String)\n) ENGINE = MergeTree ORDER BY tuple()',
    )
    expect(() =>
      createTableSql('`ferris`.`t`', schema, OLD, { ...plain, engine: 'MergeTree', orderBy: ['nope'] }),
    ).toThrow(/order_by names nope, which is not a column/)
  })

  it('reads ClickHouse types back into core types', () => {
    const read = (text: string) => coreTypeOf(parseClickhouseType(text))
    expect(read('Nullable(Int64)')).toEqual({ type: T.int64, nullable: true })
    expect(read('UInt64')).toEqual({ type: T.decimal(20, 0), nullable: false })
    expect(read("DateTime64(9, 'Asia/Kathmandu')").type).toEqual(T.timestamp('ns', 'Asia/Kathmandu'))
    expect(read('DateTime').type).toEqual(T.timestamp('ms', 'UTC'))
    expect(read('LowCardinality(Nullable(String))')).toEqual({ type: T.string, nullable: true })
    expect(read('Map(String, Array(Nullable(Decimal(38, 9))))').type).toEqual(T.map(T.string, T.list(T.decimal(38, 9))))
    expect(read('Tuple(`a b` Int32, c String)').type).toEqual(
      T.struct([
        { name: 'a b', type: T.int32, nullable: false },
        { name: 'c', type: T.string, nullable: false },
      ]),
    )
    expect(read("Enum8('a' = 1, 'b,c' = 2)").type).toEqual(T.string)
  })

  it('splits type arguments outside quotes and parentheses', () => {
    expect(splitTopLevel("Int32, Tuple(a Int8, b String), 'x, y'")).toEqual([
      'Int32',
      'Tuple(a Int8, b String)',
      "'x, y'",
    ])
    expect(tupleElement('`we\\`ird` Int8').name).toBe('we`ird')
    expect(() => parseClickhouseType('Int32; DROP')).toThrow(/Cannot read the ClickHouse type/)
  })
})
