import { Decimal, FerrisError, type Row, Schema, T, type Value } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import {
  createParquetWriter,
  type ParquetRowBatch,
  readParquet,
  readParquetInfo,
  readParquetSchema,
} from '../../src/parquet/index.js'
import { memoryInput, memoryOutput } from './io-helpers.js'

async function fileOf(schema: Schema, rows: Row[], rowGroupSize = 100): Promise<Uint8Array> {
  const out = memoryOutput()
  const writer = await createParquetWriter(schema, out, { rowGroupSize })
  await writer.write(rows)
  await writer.finish()

  return out.bytes()
}

async function rowsOf(
  bytes: Uint8Array,
  options: Parameters<typeof readParquet>[1] = { batchSize: 1000 },
): Promise<Row[]> {
  const rows: Row[] = []
  for await (const b of readParquet(memoryInput(bytes), options)) rows.push(...b.rows)

  return rows
}

async function batchesOf(bytes: Uint8Array, options: Parameters<typeof readParquet>[1]): Promise<ParquetRowBatch[]> {
  const batches: ParquetRowBatch[] = []
  for await (const b of readParquet(memoryInput(bytes), options)) batches.push(b)

  return batches
}

async function caught(p: Promise<unknown>): Promise<FerrisError> {
  try {
    await p
  } catch (error) {
    expect(error).toBeInstanceOf(FerrisError)

    return error as FerrisError
  }
  throw new Error('expected a FerrisError, got success')
}

const schema = new Schema([
  { name: 'id', type: T.int64, nullable: false },
  { name: 'n', type: T.int32, nullable: true },
  { name: 'amount', type: T.decimal(9, 2), nullable: true },
])

describe('parquet writer: bad values and options', () => {
  it('rejects a value of the wrong type with the column and row, keeps none of the batch and stays usable', async () => {
    const out = memoryOutput()
    const writer = await createParquetWriter(schema, out, { rowGroupSize: 10 })
    await writer.write([[1n, 1, null]])
    const error = await caught(
      writer.write([
        [2n, 2, null],
        [3n, 'three' as Value, null],
        [4n, 4, null],
      ]),
    )
    expect(error.code).toBe('FERRIS_TYPE_CONVERSION')
    expect(error.message).toBe('Column n is INT but row 1 holds a string')
    expect(error.context.location).toEqual({ row: 1 })
    expect(writer.rows).toBe(1)
    await writer.write([[5n, 5, new Decimal(12345n, 2)]])
    await writer.finish()
    expect(await rowsOf(out.bytes())).toEqual([
      [1n, 1, null],
      [5n, 5, new Decimal(12345n, 2)],
    ])
  })

  it('forgets the NULLs and strings of a rejected batch, so the next rows land in the right slots', async () => {
    const s = Schema.of(['n', T.int32], ['s', T.string], ['l', T.list(T.int64)])
    const out = memoryOutput()
    const writer = await createParquetWriter(s, out)
    await writer.write([[null, null, null]])
    const error = await caught(
      writer.write([
        [null, 'kept?', [1n]],
        [null, null, [null]],
        [7, 'fine', ['x' as Value]],
      ]),
    )
    expect(error.message).toBe('Column l[] is BIGINT but row 2 holds a string')
    await writer.write([[8, 'after', [2n, null]]])
    await writer.finish()
    expect(await rowsOf(out.bytes())).toEqual([
      [null, null, null],
      [8, 'after', [2n, null]],
    ])
  })

  it('takes back the elements of a nested value that failed half-way', async () => {
    const s = new Schema([
      { name: 'l', type: T.list(T.int64), nullable: true },
      {
        name: 'st',
        type: T.struct([
          { name: 'a', type: T.string, nullable: true },
          { name: 'b', type: T.int32, nullable: true },
        ]),
        nullable: true,
      },
      { name: 'm', type: T.map(T.string, T.int64), nullable: true },
    ])
    const out = memoryOutput()
    const writer = await createParquetWriter(s, out)
    const listError = await caught(writer.write([[[1n, 2n, 'three' as Value], null, null]]))
    expect(listError.message).toBe('Column l[] is BIGINT but row 0 holds a string')
    const structError = await caught(writer.write([[null, { a: 'x', b: 1.5 }, null]]))
    expect(structError.message).toBe('Column st.b is INT but row 0 holds a number')
    const mapError = await caught(
      writer.write([
        [
          null,
          null,
          new Map<Value, Value>([
            ['k', 1n],
            ['j', 'no'],
          ]),
        ],
      ]),
    )
    expect(mapError.message).toBe('Column m.value is BIGINT but row 0 holds a string')
    await writer.write([[[4n], { a: 'y', b: 2 }, new Map<Value, Value>([['z', 9n]])]])
    await writer.finish()
    expect(await rowsOf(out.bytes())).toEqual([[[4n], { a: 'y', b: 2 }, new Map([['z', 9n]])]])
  })

  it('rejects NULL in a NOT NULL column', async () => {
    const writer = await createParquetWriter(schema, memoryOutput())
    const error = await caught(writer.write([[null, 1, null]]))
    expect(error.code).toBe('FERRIS_TYPE_CONVERSION')
    expect(error.message).toBe('Column id is NOT NULL but row 0 holds NULL')
  })

  it('rejects decimals that need more digits than the column has, and rescales those that fit', async () => {
    const writer = await createParquetWriter(schema, memoryOutput())
    const tooBig = await caught(writer.write([[1n, null, new Decimal(100_000_000_00n, 2)]]))
    expect(tooBig.message).toContain('100000000.00, which has more digits than DECIMAL(9, 2) holds')
    const tooFine = await caught(writer.write([[1n, null, new Decimal(1234n, 3)]]))
    expect(tooFine.message).toContain('1.234, which has more than 2 fractional digits')
    const out = memoryOutput()
    const ok = await createParquetWriter(schema, out)
    await ok.write([
      [1n, null, new Decimal(1230n, 3)],
      [2n, null, new Decimal(7n, 0)],
      [3n, null, 42n],
    ])
    await ok.finish()
    expect((await rowsOf(out.bytes())).map((r) => String(r[2]))).toEqual(['1.23', '7.00', '42.00'])
  })

  it('rejects int32 values out of range and int64 values that are not integers', async () => {
    const writer = await createParquetWriter(schema, memoryOutput())
    expect((await caught(writer.write([[1n, 2 ** 31, null]]))).message).toBe('Column n is INT but row 0 holds a number')
    expect((await caught(writer.write([[1.5 as Value, 1, null]]))).message).toBe(
      'Column id is BIGINT but row 0 holds a number',
    )
    expect((await caught(writer.write([[2n ** 63n, 1, null]]))).message).toBe(
      'Column id is BIGINT but row 0 holds a bigint',
    )
  })

  it('refuses schemas Parquet cannot hold, before writing anything', async () => {
    const out = memoryOutput()
    const interval = await caught(createParquetWriter(Schema.of(['span', T.interval]), out))
    expect(interval.code).toBe('FERRIS_UNSUPPORTED')
    expect(interval.message).toBe('Column span has type INTERVAL, which Parquet cannot store exactly')
    const nested = await caught(createParquetWriter(Schema.of(['l', T.list(T.interval)]), out))
    expect(nested.message).toContain('Column l[] has type INTERVAL')
    const twice = await caught(createParquetWriter(Schema.of(['a', T.int32], ['a', T.string]), out))
    expect(twice.code).toBe('FERRIS_SCHEMA_MISMATCH')
    expect((await caught(createParquetWriter(new Schema([]), out))).code).toBe('FERRIS_SCHEMA_MISMATCH')
    expect(out.chunks).toBe(0)
  })

  it('validates its options', async () => {
    const bad = await caught(createParquetWriter(schema, memoryOutput(), { compression: 'lz4' as 'zstd' }))
    expect(bad.code).toBe('FERRIS_CONFIG_INVALID')
    expect(bad.message).toBe('Unknown Parquet compression "lz4"')
    expect(bad.context.expected).toBe('one of zstd, snappy, gzip, none')
    expect((await caught(createParquetWriter(schema, memoryOutput(), { rowGroupSize: 0 }))).code).toBe(
      'FERRIS_CONFIG_INVALID',
    )
  })

  it('rejects rows of the wrong width and batches of another schema', async () => {
    const writer = await createParquetWriter(schema, memoryOutput())
    expect((await caught(writer.write([[1n, 2]]))).message).toBe('Row 0 has 2 values for 3 Parquet columns')
    const other = Schema.of(['id', T.string], ['n', T.int32], ['amount', T.decimal(9, 2)])
    expect((await caught(writer.write({ schema: other, rows: [] }))).code).toBe('FERRIS_SCHEMA_MISMATCH')
  })

  it('hands each row group to the output as soon as it is full, not at the end', async () => {
    const out = memoryOutput()
    // (parquet-wasm passes its buffer on once it holds a few kilobytes, so these row groups hold random text.)
    const text = Schema.of(['s', T.string])
    const writer = await createParquetWriter(text, out, { rowGroupSize: 5000 })
    const random = () => Math.random().toString(36).slice(2)
    await writer.write(Array.from({ length: 50_500 }, (): Row => [random() + random()]))
    expect(out.chunks).toBeGreaterThanOrEqual(5)
    expect(writer.bufferedRows).toBe(500)
    expect(writer.bytesWritten).toBeGreaterThan(0)
    const summary = await writer.finish()
    expect(summary).toMatchObject({ rows: 50_500, rowGroups: 11 })
    expect(summary.bytes).toBe(out.bytes().byteLength)
    await expect(writer.write([])).rejects.toThrow('Cannot write: the Parquet writer is already finished')
  })

  it('stops on abort without a footer and without hanging', async () => {
    const out = memoryOutput()
    const writer = await createParquetWriter(schema, out, { rowGroupSize: 10 })
    await writer.write(Array.from({ length: 25 }, (_, i): Row => [BigInt(i), i, null]))
    await writer.abort()
    const bytes = out.bytes()
    expect(Buffer.from(bytes.subarray(bytes.length - 4)).toString()).not.toBe('PAR1')
    await expect(writer.finish()).rejects.toThrow('already aborted')
  })

  it('reports a failing output as the output error', async () => {
    const failing = {
      write: async () => {
        throw new FerrisError('FERRIS_IO', 'disk full')
      },
    }
    const writer = await createParquetWriter(schema, failing, { rowGroupSize: 10 })
    const error = await caught(
      (async () => {
        await writer.write(Array.from({ length: 30 }, (_, i): Row => [BigInt(i), i, null]))
        await writer.finish()
      })(),
    )
    expect(error.message).toBe('disk full')
  })
})

describe('parquet reader: inputs and options', () => {
  const rows: Row[] = Array.from(
    { length: 1000 },
    (_, i): Row => [BigInt(i), i % 3 === 0 ? null : i, new Decimal(BigInt(i), 2)],
  )

  it('reads the footer and then one range per row group, never the whole file at once', async () => {
    const many = Array.from(
      { length: 20_000 },
      (_, i): Row => [BigInt(i) ** 3n, (i * 7919) % 100_003, new Decimal(BigInt((i * 31337) % 99_991), 2)],
    )
    const bytes = await fileOf(schema, many, 2000)
    const input = memoryInput(bytes)
    let seen = 0
    for await (const b of readParquet(input, { batchSize: 640 })) seen += b.rows.length
    expect(seen).toBe(20_000)
    // First the end of the file (64 KiB at most, which holds the footer), then one read per row group.
    const [tail, ...groups] = input.reads
    expect(tail![0] + tail![1]).toBe(bytes.byteLength)
    expect(tail![1]).toBeLessThanOrEqual(64 * 1024)
    expect(groups).toHaveLength(10)
    for (const [, length] of groups) expect(length).toBeLessThan(bytes.byteLength / 5)
  })

  it('projects, widens and fills missing nullable columns when given a schema', async () => {
    const bytes = await fileOf(schema, rows.slice(0, 4))
    const wanted = new Schema([
      { name: 'AMOUNT', type: T.decimal(12, 4), nullable: true },
      { name: 'n', type: T.int64, nullable: true },
      { name: 'id', type: T.float64, nullable: false },
      { name: 'extra', type: T.string, nullable: true },
    ])
    const got = await rowsOf(bytes, { batchSize: 10, schema: wanted })
    expect(got).toEqual([
      [new Decimal(0n, 4), null, 0, null],
      [new Decimal(100n, 4), 1n, 1, null],
      [new Decimal(200n, 4), 2n, 2, null],
      [new Decimal(300n, 4), null, 3, null],
    ])
  })

  it('fails before reading rows when a column cannot be read as the asked type or is missing', async () => {
    const bytes = await fileOf(schema, rows.slice(0, 4))
    const narrowing = await caught(rowsOf(bytes, { batchSize: 10, schema: Schema.of(['id', T.int32]) }))
    expect(narrowing.code).toBe('FERRIS_SCHEMA_MISMATCH')
    expect(narrowing.message).toBe('Column id of memory.parquet is BIGINT, which cannot be read as INT')
    const missing = await caught(
      rowsOf(bytes, { batchSize: 10, schema: new Schema([{ name: 'gone', type: T.int32, nullable: false }]) }),
    )
    expect(missing.message).toBe('Column gone is missing from memory.parquet')
  })

  it('hands a row with NULL in a NOT NULL column back as bad, naming the row, and keeps the rest of the batch', async () => {
    // The reader converts column by column and marks the row, not the batch, when a value does not fit the schema;
    // it once threw for the whole batch, so one bad value stopped every job whatever its bad-record policy.
    const bytes = await fileOf(schema, rows.slice(0, 4))
    const batches = await batchesOf(bytes, {
      batchSize: 10,
      schema: new Schema([
        { name: 'id', type: T.int64, nullable: false },
        { name: 'n', type: T.int32, nullable: false },
      ]),
    })
    expect(batches).toHaveLength(1)
    const [b] = batches
    expect(b!.rows).toEqual([
      [1n, 1],
      [2n, 2],
    ])
    expect(b!.bad.map((r) => [r.index, r.row, r.values])).toEqual([
      [0, 0, { id: 0n, n: null }],
      [2, 3, { id: 3n, n: null }],
    ])
    expect(b!.bad[0]!.error.code).toBe('FERRIS_SCHEMA_MISMATCH')
    expect(b!.bad[0]!.error.message).toBe('Column n is declared NOT NULL but row 0 of memory.parquet has NULL')
    expect(b!.bad[1]!.error.context.location).toEqual({ file: 'memory.parquet', row: 3 })
    expect([b!.startRow, b!.endRow]).toEqual([0, 4])
  })

  it('hands a decimal too wide for the asked type back as bad with its value, across batches and from a start row', async () => {
    // A value that does not fit makes only its own row bad; row indexes stay file indexes, so a reader that stores
    // the row after a bad one never reads that row again.
    const wide: Row[] = Array.from(
      { length: 30 },
      (_, i): Row => [BigInt(i), i, new Decimal(BigInt(i % 7 === 3 ? 12_345_678 : i), 2)],
    )
    const bytes = await fileOf(schema, wide, 12)
    const batches = await batchesOf(bytes, {
      batchSize: 5,
      fromRow: 4,
      schema: new Schema([
        { name: 'id', type: T.int64, nullable: false },
        { name: 'amount', type: T.decimal(6, 2), nullable: true },
      ]),
    })
    const good = batches.flatMap((b) => b.rows.map((r) => Number(r[0])))
    const bad = batches.flatMap((b) => b.bad)
    expect(bad.map((r) => r.row)).toEqual([10, 17, 24])
    expect(good).toEqual(Array.from({ length: 26 }, (_, i) => i + 4).filter((i) => i % 7 !== 3))
    expect(bad[0]!.error.code).toBe('FERRIS_TYPE_CONVERSION')
    expect(bad[0]!.error.message).toBe(
      'Value of amount does not fit DECIMAL(6, 2): 123456.78 in row 10 of memory.parquet',
    )
    expect(bad[0]!.values).toEqual({ id: 10n, amount: new Decimal(12_345_678n, 2) })
    // Every batch accounts for each of its rows once: good ones in `rows`, the others in `bad`.
    for (const b of batches) expect(b.rows.length + b.bad.length).toBe(b.endRow - b.startRow)
    for (const b of batches) for (const r of b.bad) expect(b.rows[r.index - 1]?.[0] ?? -1n).toBeLessThan(BigInt(r.row))
  })

  it('names the file when it is not Parquet', async () => {
    const notParquet = memoryInput(new TextEncoder().encode('id,name\n1,alice\n2,bob\n'), 'people.csv')
    const error = await caught(readParquetSchema(notParquet))
    expect(error.code).toBe('FERRIS_RECORD_MALFORMED')
    expect(error.message).toMatch(/^Cannot read people\.csv as Parquet: /)
    expect(error.context.location).toEqual({ file: 'people.csv' })
    const truncated = (await fileOf(schema, rows)).slice(0, 500)
    expect((await caught(rowsOf(truncated))).code).toBe('FERRIS_RECORD_MALFORMED')
  })

  it('reports a corrupt row group as malformed after handing over the good ones, without hanging', async () => {
    const text = Schema.of(['s', T.string])
    const random = () => Math.random().toString(36).slice(2)
    const bytes = await fileOf(
      text,
      Array.from({ length: 30_000 }, (): Row => [random()]),
      10_000,
    )
    const info = await readParquetInfo(memoryInput(bytes))
    expect(info.rowGroups).toEqual([10_000, 10_000, 10_000])
    // Zeros in the middle of the file land inside the second row group's compressed pages.
    const corrupt = bytes.slice()
    corrupt.fill(0, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 2000)
    let seen = 0
    const error = await caught(
      (async () => {
        for await (const b of readParquet(memoryInput(corrupt, 'broken.parquet'), { batchSize: 5000 }))
          seen += b.rows.length
      })(),
    )
    expect(seen).toBe(10_000)
    expect(error.code).toBe('FERRIS_RECORD_MALFORMED')
    expect(error.message).toMatch(/^Cannot read broken\.parquet as Parquet: row group 1: /)
  })

  it('passes the input error through when a ranged read fails', async () => {
    const bytes = await fileOf(schema, rows, 100)
    const input = memoryInput(bytes, 's3://bucket/x.parquet')
    let calls = 0
    const flaky = {
      ...input,
      read: async (offset: number, length: number) => {
        if (++calls === 4)
          throw new FerrisError('FERRIS_CONNECTION_FAILED', 'connection reset reading s3://bucket/x.parquet')

        return input.read(offset, length)
      },
    }
    const error = await caught(rowsFrom(flaky))
    expect(error.code).toBe('FERRIS_CONNECTION_FAILED')
    expect(error.retryable).toBe(true)
  })

  it('validates batch size and start row', async () => {
    const bytes = await fileOf(schema, rows.slice(0, 4))
    expect((await caught(rowsOf(bytes, { batchSize: 0 }))).code).toBe('FERRIS_CONFIG_INVALID')
    expect((await caught(rowsOf(bytes, { batchSize: 10, fromRow: -1 }))).code).toBe('FERRIS_CONFIG_INVALID')
  })
})

async function rowsFrom(input: Parameters<typeof readParquet>[0]): Promise<Row[]> {
  const rows: Row[] = []
  for await (const b of readParquet(input, { batchSize: 100 })) rows.push(...b.rows)

  return rows
}
