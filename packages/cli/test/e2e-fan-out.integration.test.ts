import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { POSTGRES, parseCsv, requireServices, uniqueName } from './e2e-services.js'
import { REPO_ROOT, runCli } from './run-cli.js'

/** examples/fan-out: airports.csv into a PostgreSQL table and a Parquet file by two statements on one source. */
const table = uniqueName('e2e_airports')
const db = new pg.Client({ connectionString: POSTGRES })

beforeAll(async () => {
  await requireServices('postgres')
  await db.connect()
})

afterAll(async () => {
  await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {})
  await db.end()
})

describe('[postgres] examples/fan-out', () => {
  it('writes the same airports to PostgreSQL and to Parquet, each equal to the input, and upserts on a rerun', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-e2e-fan-'))
    const parquet = join(dir, 'airports.parquet')
    const args = (run: string) => [
      'run',
      'examples/fan-out/app.sql',
      '--set',
      `airports_pg.table=${table}`,
      '--set',
      `airports_parquet.uri=file:${parquet}`,
      '--set',
      `job.checkpoint.dir=${join(dir, run)}`,
    ]
    const r = await runCli(args('ckpt-1'), { timeoutMs: 40_000 })
    expect(r.stderr).not.toContain('FERRIS_')
    expect(r.code).toBe(0)

    const input = parseCsv(await readFile(join(REPO_ROOT, 'examples/data/airports.csv'), 'utf8'))
    const check = async () => {
      const rows = (
        await db.query(`SELECT iata, name, city, state, country, latitude, longitude FROM ${table} ORDER BY iata`)
      ).rows as Record<string, string | number | null>[]
      expect(rows).toHaveLength(input.length)
      const byIata = new Map(rows.map((row) => [row.iata, row]))
      for (const want of input) {
        const got = byIata.get(want.iata!)
        expect(got, want.iata).toBeDefined()
        // Text columns exactly; an empty CSV field is NULL. Coordinates as the same double, bit for bit.
        for (const c of ['name', 'city', 'state', 'country'])
          expect(got![c], `${want.iata} ${c}`).toBe(want[c] === '' ? null : want[c])
        expect(got!.latitude).toBe(Number(want.latitude))
        expect(got!.longitude).toBe(Number(want.longitude))
      }
    }
    await check()

    // The Parquet file against DuckDB's own reading of the CSV.
    const duck = await (await DuckDBInstance.create(':memory:')).connect()
    const csv = join(REPO_ROOT, 'examples/data/airports.csv')
    const diff = await duck.runAndReadAll(`
      WITH want AS (SELECT iata, name, city, upper(state) AS state, country, latitude::DOUBLE AS latitude,
                           longitude::DOUBLE AS longitude, longitude::DOUBLE < 0 AS western
                    FROM read_csv('${csv}', header = true, all_varchar = true)),
           got AS (SELECT iata, name, city, state, country, latitude, longitude, western FROM read_parquet('${parquet}'))
      SELECT (SELECT count(*) FROM got)::BIGINT AS n,
             (SELECT count(*) FROM (SELECT * FROM got EXCEPT ALL SELECT * FROM want))::BIGINT AS extra,
             (SELECT count(*) FROM (SELECT * FROM want EXCEPT ALL SELECT * FROM got))::BIGINT AS missing`)
    expect(diff.getRowObjectsJson()).toEqual([{ n: String(input.length), extra: '0', missing: '0' }])

    // A second run with fresh checkpoints reads the file again: the key makes PostgreSQL's rows upserts, not copies.
    const again = await runCli(args('ckpt-2'), { timeoutMs: 40_000 })
    expect(again.code).toBe(0)
    await check()
  }, 90_000)
})
