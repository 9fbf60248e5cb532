import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT, runCli } from './run-cli.js'

/**
 * The README's first command runs examples/weather/app.sql. This runs it the same way and checks its
 * Parquet output against DuckDB evaluating the same query over the same CSV, independently of Ferris.
 */
describe('cli: the weather example', () => {
  it('writes exactly the rows DuckDB computes from the same file', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'ferris-example-')), 'cold_wet_days.parquet')
    const ckpt = join(out, '..', 'checkpoints')
    const r = await runCli([
      'run',
      'examples/weather/app.sql',
      '--set',
      `cold_wet_days.path=${out}`,
      '--set',
      `job.checkpoint.dir=${ckpt}`,
      '--log-format',
      'json',
    ])
    expect(r.stderr).not.toContain('FERRIS_')
    expect(r.code).toBe(0)

    const db = await (await DuckDBInstance.create(':memory:')).connect()
    const csv = join(REPO_ROOT, 'examples/data/weather.csv')
    const expected = await db.runAndReadAll(`
      SELECT location, CAST("date" AS DATE)::VARCHAR AS day, UPPER(weather) AS weather, precipitation, temp_min, temp_max,
             ROUND(temp_max - temp_min, 1) AS temp_range
      FROM read_csv('${csv}', header = true)
      WHERE weather IN ('rain', 'snow') AND temp_min < 5 AND precipitation IS NOT NULL
      ORDER BY location, day`)
    const actual = await db.runAndReadAll(`
      SELECT location, day::VARCHAR AS day, weather, precipitation, temp_min, temp_max, temp_range
      FROM read_parquet('${out}') ORDER BY location, day`)
    const exp = expected.getRowObjectsJson()
    expect(exp.length).toBeGreaterThan(300)
    expect(actual.getRowObjectsJson()).toEqual(exp)
  }, 120_000)
})
