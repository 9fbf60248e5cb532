import { connectorOptions, type JsonNumber, type Row, Schema, T } from '@ferris/core'
import { createTestContext } from '@ferris/core/testing'
import { describe, expect, it } from 'vitest'
import { clickhouseOptions } from '../../src/options.js'
import { ClickhouseSink } from '../../src/sink/clickhouse-sink.js'
import { FakeConnection, oldServerError } from '../helpers/fake-connection.js'

const schema = Schema.of(['id', T.int64, false], ['s', T.string])
const table = {
  engine: 'MergeTree',
  engineFull: 'MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 8192',
  columns: [
    ['id', 'Int64'],
    ['s', "Enum8('a' = 1, 'b' = 2)"],
  ] as Array<[string, string]>,
}

async function writerOn(fake: FakeConnection, raw: Record<string, string> = {}, policy?: 'fail') {
  const test = createTestContext(policy === undefined ? {} : { policy })
  const options = connectorOptions(clickhouseOptions)
    .merge({ url: 'http://127.0.0.1:1', database: 'ferris', table: 't', retry_backoff: '1', ...raw })
    .build('out')
  const sink = new ClickhouseSink(options, test.context, () => fake)
  await sink.open()
  await sink.validateSchema(schema)

  return { writer: await sink.createWriter({ schema, jobId: 'job-1' }), test, sink }
}

const rows = (n: number, from = 0): Row[] => Array.from({ length: n }, (_, i) => [BigInt(from + i), 'a'])

describe('[clickhouse] writer', () => {
  it('inserts nothing before commit, then blocks of batch_rows counted from the checkpoint', async () => {
    const fake = new FakeConnection('26.9.2.1', table)
    const { writer } = await writerOn(fake, { batch_rows: '4' })
    await writer.write({ schema, rows: rows(3) })
    await writer.write({ schema, rows: rows(7, 3) })
    await writer.flush()
    expect(fake.inserts).toHaveLength(0)
    await writer.commit({ checkpointId: 1, positions: { src: 10 } })
    expect(fake.inserts.map((i) => i.body.split('\n').length - 1)).toEqual([4, 4, 2])
    expect(fake.insertedRows().map((r) => (r.id as JsonNumber).text)).toEqual(
      Array.from({ length: 10 }, (_, i) => String(i)),
    )
    expect(fake.inserts[0]!.sql).toBe('INSERT INTO `ferris`.`t` (`id`, `s`) FORMAT JSONEachRow')
  })

  it('gives a replayed checkpoint the same tokens, and another checkpoint different ones', async () => {
    const tokensOf = async (checkpointId: number, batches: number[]) => {
      const fake = new FakeConnection('26.9.2.1', table)
      const { writer } = await writerOn(fake, { batch_rows: '4' })
      let from = 0
      for (const n of batches) {
        await writer.write({ schema, rows: rows(n, from) })
        from += n
      }
      await writer.commit({ checkpointId, positions: {} })

      return fake.inserts.map((i) => i.settings.insert_deduplication_token)
    }
    const first = await tokensOf(5, [3, 7])
    // The same rows arriving in other batch sizes make the same blocks.
    expect(await tokensOf(5, [1, 1, 8])).toEqual(first)
    expect(new Set(first).size).toBe(3)
    const other = await tokensOf(6, [3, 7])
    expect(other.some((t) => first.includes(t))).toBe(false)
  })

  it('sends no token to a server that predates insert_deduplication_token', async () => {
    const fake = new FakeConnection('18.16.1', table)
    const { writer, sink } = await writerOn(fake)
    expect(sink.capabilities.idempotent).toBe(false)
    await writer.write({ schema, rows: rows(2) })
    await writer.commit({ checkpointId: 1, positions: {} })
    expect(fake.inserts[0]!.settings).toEqual({})
  })

  it('finds the rows the server refuses by halving the block, stores the rest, and reports the refused ones', async () => {
    const fake = new FakeConnection('18.16.1', table)
    const { writer, test } = await writerOn(fake)
    // As 18.16 does for an unknown Enum element: code 49 and no row number.
    fake.failInsert = (body) =>
      body.includes('"c"') ? oldServerError(49, "Unknown element 'c' for type Enum8('a' = 1, 'b' = 2)") : undefined
    const batch: Row[] = rows(10)
    batch[3] = [3n, 'c']
    batch[8] = [8n, 'c']
    await writer.write({ schema, rows: batch })
    await writer.commit({ checkpointId: 1, positions: {} })
    expect(fake.insertedRows().map((r) => (r.id as JsonNumber).text)).toEqual(['0', '1', '2', '4', '5', '6', '7', '9'])
    expect(test.badRecords.map((b) => b.values?.id)).toEqual([3n, 8n])
    expect(test.badRecords[0]!.error.code).toBe('FERRIS_RECORD_MALFORMED')
    expect(test.badRecords[0]!.error.message).toMatch(/Unknown element 'c'/)
  })

  it('sends a row that cannot be encoded to the bad-record policy and writes the others', async () => {
    const fake = new FakeConnection('26.9.2.1', table)
    const { writer, test } = await writerOn(fake)
    await writer.write({
      schema,
      rows: [
        [1n, 'a'],
        [null, 'b'],
        [3n, 'b'],
      ],
    })
    await writer.commit({ checkpointId: 1, positions: {} })
    expect(fake.insertedRows()).toHaveLength(2)
    expect(test.badRecords).toHaveLength(1)
    expect(test.badRecords[0]!.error.message).toMatch(/id is NULL but the ClickHouse column is Int64/)
  })

  it('stops the job on a refused row under the fail policy', async () => {
    const fake = new FakeConnection('26.9.2.1', table)
    const { writer } = await writerOn(fake, {}, 'fail')
    await expect(writer.write({ schema, rows: [[null, 'a']] })).rejects.toMatchObject({
      code: 'FERRIS_TYPE_CONVERSION',
    })
  })

  it('inserts full blocks early when the buffer passes max_buffer_bytes', async () => {
    const fake = new FakeConnection('26.9.2.1', table)
    const { writer } = await writerOn(fake, { batch_rows: '10', max_buffer_bytes: '1kb' })
    await writer.write({ schema, rows: rows(100) })
    expect(fake.inserts.length).toBeGreaterThan(0)
    await writer.commit({ checkpointId: 1, positions: {} })
    expect(fake.insertedRows()).toHaveLength(100)
  })

  it('discards unflushed rows on rollback', async () => {
    const fake = new FakeConnection('26.9.2.1', table)
    const { writer } = await writerOn(fake)
    await writer.write({ schema, rows: rows(5) })
    await writer.rollback()
    await writer.commit({ checkpointId: 1, positions: {} })
    expect(fake.inserts).toHaveLength(0)
  })

  it('checks the query columns against the table before any row flows', async () => {
    const fake = new FakeConnection('26.9.2.1', table)
    const { sink } = await writerOn(fake)
    await expect(sink.validateSchema(Schema.of(['id', T.int64], ['nope', T.string]))).rejects.toThrow(
      /The query writes a column nope that ClickHouse table ferris.t does not have/,
    )
    await expect(sink.validateSchema(Schema.of(['id', T.string]))).rejects.toMatchObject({
      code: 'FERRIS_SCHEMA_MISMATCH',
    })
  })
})
