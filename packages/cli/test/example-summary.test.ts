import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT, runCli } from './run-cli.js'

/** examples/weather-summary/app.sql against DuckDB's answer for the same GROUP BY on the same CSV. */
describe('cli: the weather summary example', () => {
  it('writes one row per city and weather with the counts and temperatures DuckDB computes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-summary-'))
    const out = join(dir, 'summary.csv')
    const r = await runCli([
      'run',
      'examples/weather-summary/app.sql',
      '--set',
      `weather_summary.uri=file:${out}`,
      '--set',
      `job.checkpoint.dir=${join(dir, 'ckpt')}`,
    ])
    expect(r.stderr).not.toContain('FERRIS_')
    expect(r.code).toBe(0)

    const db = await (await DuckDBInstance.create(':memory:')).connect()
    const csv = join(REPO_ROOT, 'examples/data/weather.csv')
    const expected = await db.runAndReadAll(`
      SELECT location, weather, COUNT(*)::BIGINT AS days, MIN(temp_max) AS coldest_max, ROUND(AVG(temp_max), 2) AS mean_max,
             MAX(temp_max) AS warmest_max, ROUND(SUM(precipitation), 1) AS total_precipitation
      FROM read_csv('${csv}', header = true) GROUP BY location, weather ORDER BY location, weather`)
    const actual = await db.runAndReadAll(`
      SELECT location, weather, days::BIGINT AS days, coldest_max::DOUBLE AS coldest_max, mean_max::DOUBLE AS mean_max,
             warmest_max::DOUBLE AS warmest_max, total_precipitation::DOUBLE AS total_precipitation
      FROM read_csv('${out}', header = true) ORDER BY location, weather`)
    const exp = expected.getRowObjectsJson()
    expect(exp).toHaveLength(10)
    expect(actual.getRowObjectsJson()).toEqual(exp)
  }, 120_000)
})
