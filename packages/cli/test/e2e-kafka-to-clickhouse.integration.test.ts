import { execFile } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLICKHOUSE_HTTP, deleteTopics, requireServices, uniqueName } from './e2e-services.js'
import { REPO_ROOT, runCli } from './run-cli.js'

/** examples/kafka-to-clickhouse: flights seeded into a topic, into a ClickHouse table the sink creates. */
interface Flight {
  date: string
  delay: number
  distance: number
  origin: string
  destination: string
}

const topic = uniqueName('e2e_flights')
const table = uniqueName('e2e_flights')
const clickhouse = createClient({ url: CLICKHOUSE_HTTP, database: 'ferris' })
let flights: Flight[] = []

beforeAll(async () => {
  await requireServices('kafka', 'clickhouse')
  flights = JSON.parse(await readFile(join(REPO_ROOT, 'examples/data/flights-10k.json'), 'utf8')) as Flight[]
  await promisify(execFile)(process.execPath, ['examples/kafka-to-clickhouse/seed.mjs', topic], { cwd: REPO_ROOT })
})

afterAll(async () => {
  await clickhouse.command({ query: `DROP TABLE IF EXISTS ferris.${table}` }).catch(() => {})
  await clickhouse.close()
  await deleteTopics(topic)
})

describe('[kafka][clickhouse] examples/kafka-to-clickhouse', () => {
  it('inserts every flight once, with the counts and sums of the input', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-e2e-ch-'))
    const r = await runCli(
      [
        'run',
        'examples/kafka-to-clickhouse/app.sql',
        '--set',
        `flights.topic=${topic}`,
        '--set',
        `flights.group_id=${uniqueName('e2e_ch')}`,
        '--set',
        `flights_ch.table=${table}`,
        '--set',
        `job.checkpoint.dir=${join(dir, 'ckpt')}`,
      ],
      { timeoutMs: 40_000 },
    )
    expect(r.stderr).not.toContain('FERRIS_')

    // Per origin airport: flights, total delay and distance, first and last day, all computed from the JSON file.
    const want = new Map<string, { n: number; delay: number; distance: number; first: string; last: string }>()
    for (const f of flights) {
      const day = f.date.slice(0, 10).replaceAll('/', '-')
      const a = want.get(f.origin) ?? { n: 0, delay: 0, distance: 0, first: day, last: day }
      want.set(f.origin, {
        n: a.n + 1,
        delay: a.delay + f.delay,
        distance: a.distance + f.distance,
        // biome-ignore lint/complexity/useMathMinMax: these are ISO date strings, compared as text
        first: day < a.first ? day : a.first,
        // biome-ignore lint/complexity/useMathMinMax: these are ISO date strings, compared as text
        last: day > a.last ? day : a.last,
      })
    }
    const result = await clickhouse.query({
      query: `SELECT origin, toString(count()) AS n, toString(sum(delay)) AS delay, toString(sum(distance)) AS distance,
                     toString(min(day)) AS first, toString(max(day)) AS last
              FROM ferris.${table} GROUP BY origin ORDER BY origin`,
      format: 'JSONEachRow',
    })
    const rows = (await result.json()) as Record<string, string>[]
    const got = Object.fromEntries(
      rows.map((row) => [
        row.origin,
        {
          n: Number(row.n),
          delay: Number(row.delay),
          distance: Number(row.distance),
          first: row.first,
          last: row.last,
        },
      ]),
    )
    expect(got).toEqual(Object.fromEntries([...want].sort(([a], [b]) => (a < b ? -1 : 1))))

    const totals = (await (
      await clickhouse.query({
        query: `SELECT toString(count()) AS n, toString(uniqExact(departure, origin, destination, delay, distance)) AS distinct_rows FROM ferris.${table}`,
        format: 'JSONEachRow',
      })
    ).json()) as { n: string; distinct_rows: string }[]
    const distinctInput = new Set(
      flights.map((f) => JSON.stringify([f.date, f.origin, f.destination, f.delay, f.distance])),
    )
    expect(totals[0]).toEqual({ n: String(flights.length), distinct_rows: String(distinctInput.size) })

    expect(r.signal, `ferris did not exit after its bounded job completed: ${r.stderr.slice(-300)}`).toBeNull()
    expect(r.code).toBe(0)
  }, 60_000)
})
