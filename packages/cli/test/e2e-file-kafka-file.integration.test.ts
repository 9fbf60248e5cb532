import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteTopics, parseCsv, readTopic, requireServices, uniqueName } from './e2e-services.js'
import { type CliResult, REPO_ROOT, runCli } from './run-cli.js'

/**
 * examples/file-kafka-file: weather.csv into a topic, the topic back into a CSV file, and a SQL filter from that
 * topic into another, each checked against examples/data/weather.csv (the topic itself read with kafkajs).
 */
const topic = uniqueName('e2e_weather')
const coldTopic = `${topic}_cold`
let dir = ''
let input: Record<string, string>[] = []

beforeAll(async () => {
  await requireServices('kafka')
  dir = await mkdtemp(join(tmpdir(), 'ferris-e2e-fkf-'))
  input = parseCsv(await readFile(join(REPO_ROOT, 'examples/data/weather.csv'), 'utf8'))
})

afterAll(async () => {
  if (dir !== '') await deleteTopics(topic, coldTopic)
})

/**
 * A job with a bounded Kafka source is given 25 s; the output is checked before the exit code, so a process that
 * writes everything but does not exit shows both facts (see the report of this test's author: a kafkajs socket
 * of the source stays open after "completed" in some runs).
 */
const EXIT_WAIT = { timeoutMs: 25_000 }
function expectExited(r: CliResult): void {
  expect(r.signal, `ferris did not exit after its bounded job completed: ${r.stderr.slice(-300)}`).toBeNull()
  expect(r.code).toBe(0)
}

const rowKey = (r: { location?: unknown; date?: unknown }) => `${r.location}|${r.date}`
const MEASURES = ['precipitation', 'temp_max', 'temp_min', 'wind'] as const

describe('[kafka] examples/file-kafka-file', () => {
  it('writes every weather row to the topic as JSON keyed by city', async () => {
    const r = await runCli([
      'run',
      'examples/file-kafka-file/app.sql',
      '--set',
      `weather_events.topic=${topic}`,
      '--set',
      `job.checkpoint.dir=${join(dir, 'ckpt-in')}`,
    ])
    expect(r.stderr).not.toContain('FERRIS_')
    expect(r.code).toBe(0)

    const messages = await readTopic(topic)
    expect(messages).toHaveLength(input.length)
    const byKey = new Map(input.map((row) => [rowKey(row), row]))
    for (const m of messages) {
      const value = JSON.parse(m.value!) as Record<string, unknown>
      const row = byKey.get(rowKey(value))
      expect(row, `message ${m.partition}:${m.offset} ${m.value}`).toBeDefined()
      expect(m.key).toBe(row!.location)
      expect(value.weather).toBe(row!.weather)
      for (const c of MEASURES) expect(value[c]).toBe(Number(row![c]))
      byKey.delete(rowKey(value))
    }
    expect(byKey.size).toBe(0)
    // One city, one partition: the key decides where a message goes, and in it the days keep the file's order.
    for (const city of ['Seattle', 'New York']) {
      const ofCity = messages.filter((m) => m.key === city)
      expect(new Set(ofCity.map((m) => m.partition)).size).toBe(1)
      const dates = ofCity.map((m) => (JSON.parse(m.value!) as { date: string }).date)
      expect(dates).toEqual(input.filter((row) => row.location === city).map((row) => row.date))
    }
  })

  it('reads the topic back (bounded) into a CSV file equal to the input', async () => {
    const out = join(dir, 'weather-copy.csv')
    const r = await runCli(
      [
        'run',
        'examples/file-kafka-file/back.sql',
        '--set',
        `weather_events.topic=${topic}`,
        '--set',
        `weather_events.group_id=${uniqueName('e2e_back')}`,
        '--set',
        `weather_copy.uri=file:${out}`,
        '--set',
        `job.checkpoint.dir=${join(dir, 'ckpt-back')}`,
      ],
      EXIT_WAIT,
    )
    expect(r.stderr).not.toContain('FERRIS_')

    const copy = parseCsv(await readFile(out, 'utf8'))
    expect(copy).toHaveLength(input.length)
    const sort = (rows: Record<string, string>[]) => [...rows].sort((a, b) => (rowKey(a) < rowKey(b) ? -1 : 1))
    const got = sort(copy)
    const want = sort(input)
    for (let i = 0; i < want.length; i++) {
      const [g, w] = [got[i]!, want[i]!]
      expect({ location: g.location, date: g.date, weather: g.weather, key: g.message_key }).toEqual({
        location: w.location,
        date: w.date,
        weather: w.weather,
        key: w.location,
      })
      // The CSV writer prints the shortest text of each double ("0" for "0.0"): the same number, exactly.
      for (const c of MEASURES) expect(Number(g[c]), `${rowKey(w)} ${c}`).toBe(Number(w[c]))
    }
    // Offsets are dense per partition: nothing was skipped or read twice.
    const perPartition = new Map<string, number[]>()
    for (const row of copy)
      perPartition.set(row._partition!, [...(perPartition.get(row._partition!) ?? []), Number(row._offset)])
    for (const offsets of perPartition.values()) expect(offsets.sort((a, b) => a - b)).toEqual(offsets.map((_, i) => i))
    expectExited(r)
  })

  it('filters the topic into another with a WHERE, as the input says', async () => {
    const r = await runCli(
      [
        'run',
        'examples/file-kafka-file/filter.sql',
        '--set',
        `weather_events.topic=${topic}`,
        '--set',
        `weather_events.group_id=${uniqueName('e2e_filter')}`,
        '--set',
        `cold_days.topic=${coldTopic}`,
        '--set',
        `job.checkpoint.dir=${join(dir, 'ckpt-filter')}`,
      ],
      EXIT_WAIT,
    )
    expect(r.stderr).not.toContain('FERRIS_')

    const want = input
      .filter((row) => row.weather === 'snow' || Number(row.temp_min) < 0)
      .map((row) => {
        const tempMin = Number(row.temp_min)
        const feelsLike = tempMin < 0 ? tempMin - Number(row.wind) : tempMin
        return { key: rowKey(row), weather: row.weather, temp_min: tempMin, feels_like: feelsLike }
      })
      .sort((a, b) => (a.key < b.key ? -1 : 1))
    expect(want.length).toBeGreaterThan(300)
    const got = (await readTopic(coldTopic))
      .map((m) => {
        const v = JSON.parse(m.value!) as Record<string, number | string>
        expect(m.key).toBe(v.location)
        return { key: rowKey(v), weather: v.weather, temp_min: v.temp_min, feels_like: v.feels_like }
      })
      .sort((a, b) => (a.key < b.key ? -1 : 1))
    expect(got).toEqual(want)
    expectExited(r)
  })
})
