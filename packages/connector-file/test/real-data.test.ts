import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { Schema } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { registry, tempDir, testContext } from './helpers.js'

/**
 * The example data of the repository (vega-datasets) read through the connector, converted to Parquet and JSON
 * lines through its sink, and checked against DuckDB, an independent CSV and Parquet reader.
 */
const DATA = new URL('../../../examples/data/', import.meta.url).pathname

async function duck(sql: string): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  try {
    return (await c.runAndReadAll(sql)).getRows() as unknown[][]
  } finally {
    c.closeSync()
  }
}

async function convert(dir: string, input: string, output: string): Promise<{ rows: number; schema: Schema }> {
  const ctx = testContext(dir)
  const src = registry().createSource(
    { name: 'in', role: 'source', properties: { type: 'file_source', path: input } },
    ctx,
  )
  await src.open()
  const schema = (await src.discoverSchema())!
  const reader = await src.createReader({ schema, batchSize: 1000 })
  const sink = registry().createSink(
    { name: 'out', role: 'sink', properties: { type: 'file_sink', path: output } },
    testContext(dir),
  )
  await sink.open()
  const writer = await sink.createWriter({ schema, jobId: 'real' })
  let rows = 0
  let checkpointId = 0
  for (;;) {
    const r = await reader.read()
    if (r.kind === 'batch') {
      rows += r.batch.rows.length
      await writer.write(r.batch)
    }
    await writer.commit({ checkpointId: ++checkpointId, positions: { in: r.position } })
    if (r.kind === 'end') break
  }
  await writer.close()
  expect(ctx.bad).toEqual([])

  return { rows, schema }
}

describe('[file] real data', () => {
  it('converts weather.csv to Parquet, commit by commit, with the same rows and sums DuckDB computes from the CSV', async () => {
    const dir = await tempDir()
    await copyFile(join(DATA, 'weather.csv'), join(dir, 'weather.csv'))
    const { rows, schema } = await convert(dir, 'weather.csv', 'weather.parquet')
    expect(schema.toString()).toBe(
      'location STRING, date DATE, precipitation DOUBLE, temp_max DOUBLE, temp_min DOUBLE, wind DOUBLE, weather STRING',
    )
    const summary = (file: string) =>
      duck(
        `SELECT count(*), count(DISTINCT date), sum(precipitation)::DECIMAL(18,2), min(temp_min), max(temp_max), string_agg(DISTINCT weather, ',' ORDER BY weather) FROM '${join(dir, file)}'`,
      )
    const fromCsv = await summary('weather.csv')
    expect(await summary('weather.parquet')).toEqual(fromCsv)
    expect(Number(fromCsv[0]![0])).toBe(rows)
  })

  it('converts the flights JSON array to JSON lines that DuckDB reads back identically', async () => {
    const dir = await tempDir()
    await copyFile(join(DATA, 'flights-10k.json'), join(dir, 'flights.json'))
    const { rows } = await convert(dir, 'flights.json', 'flights.jsonl')
    expect(rows).toBe(10_000)
    const q = (sql: string) =>
      duck(sql.replaceAll('$in', join(dir, 'flights.json')).replaceAll('$out', join(dir, 'flights.jsonl')))
    const cols = 'date::VARCHAR AS date, delay::BIGINT AS delay, distance::BIGINT AS distance, origin, destination'
    const diff = await q(
      `SELECT count(*) FROM ((SELECT ${cols} FROM read_json('$in') EXCEPT ALL SELECT ${cols} FROM read_json('$out')) UNION ALL (SELECT ${cols} FROM read_json('$out') EXCEPT ALL SELECT ${cols} FROM read_json('$in')))`,
    )
    expect(Number(diff[0]![0])).toBe(0)
  })
})
