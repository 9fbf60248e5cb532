import { mkdtempSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { plugin as filePlugin } from '@ferris/connector-file'
import { ConnectorRegistry, isFerrisError } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'

/**
 * Poisoned records in every file format, through the real file connector: bad records go where
 * `job.bad_records` says, with their error code, message and position, and every good record reaches the
 * output.
 */

const registry = () => new ConnectorRegistry().register(filePlugin)
const tempDir = () => mkdtempSync(join(tmpdir(), 'ferris-poison-'))
const SCHEMA = 'id BIGINT NOT NULL, amount DECIMAL(10,2), name STRING'

interface DeadLetter {
  error_code: string
  error_message: string
  origin: string
  position: Record<string, unknown>
  raw: string | null
  attempts: number
}

async function readJsonLines(path: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(path, 'utf8')

  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l))
}

async function deadLetters(path: string): Promise<DeadLetter[]> {
  return (await readJsonLines(path)).map((r) => ({ ...r, position: JSON.parse(r.position as string) }) as DeadLetter)
}

function app(dir: string, input: string, format: string, policy: string): string {
  return `CREATE STREAM out AS SELECT id, amount, name FROM input
    WITH ('input.uri' = 'file://${dir}/${input}', 'input.format' = '${format}', 'input.schema' = '${SCHEMA}',
          'out.uri' = 'file://${dir}/out.jsonl', ${policy})`
}

const DEAD = (dir: string) => `'job.bad_records' = 'dead_letter', 'job.dlq.uri' = 'file://${dir}/dlq.jsonl'`

interface Case {
  readonly format: string
  readonly file: string
  readonly text: string
  /** ids of the good records, in order */
  readonly good: readonly number[]
  /** per bad record: code, a message fragment, the expected position and a fragment of the raw text */
  readonly bad: ReadonlyArray<{ code: string; message: RegExp; position: Record<string, unknown>; raw: string }>
}

const CASES: Case[] = [
  {
    format: 'csv',
    file: 'in.csv',
    text: ['id,amount,name', '1,1.50,a', 'x2,2.50,b', '3,3.50,c', '4,4.50', '5,five,e', '6,6.50,f', ''].join('\n'),
    good: [1, 3, 6],
    bad: [
      { code: 'FERRIS_TYPE_CONVERSION', message: /x2/, position: { line: 3 }, raw: 'x2,2.50,b' },
      {
        code: 'FERRIS_RECORD_MALFORMED',
        message: /2 fields but the header has 3/,
        position: { line: 5 },
        raw: '4,4.50',
      },
      { code: 'FERRIS_TYPE_CONVERSION', message: /five/, position: { line: 6 }, raw: '5,five,e' },
    ],
  },
  {
    format: 'jsonl',
    file: 'in.jsonl',
    text: [
      '{"id": 1, "amount": "1.50", "name": "a"}',
      '{"id": 2, "amount": 2.5,',
      '{"id": "three", "amount": 3.5, "name": "c"}',
      '{"id": 4, "amount": 4.5, "name": "d"}',
      '{"amount": 5.5, "name": "e"}',
      '[6, 6.5, "f"]',
      '{"id": 7, "amount": 7.25, "name": "g"}',
      '',
    ].join('\n'),
    good: [1, 4, 7],
    bad: [
      { code: 'FERRIS_RECORD_MALFORMED', message: /JSON/, position: { line: 2 }, raw: '{"id": 2, "amount": 2.5,' },
      { code: 'FERRIS_TYPE_CONVERSION', message: /"three"/, position: { line: 3 }, raw: '"three"' },
      {
        code: 'FERRIS_RECORD_MALFORMED',
        message: /"id" is NOT NULL but the record lacks it/,
        position: { line: 5 },
        raw: '"e"',
      },
      { code: 'FERRIS_RECORD_MALFORMED', message: /must be an object/, position: { line: 6 }, raw: '[6, 6.5, "f"]' },
    ],
  },
  {
    format: 'json',
    file: 'in.json',
    text: `[
  {"id": 1, "amount": 1.5, "name": "a"},
  {"id": "two", "amount": 2.5, "name": "b"},
  {"id": 3, "amount": 3.5, "name": "c"},
  "four",
  {"id": 5, "amount": 5.5, "name": "e"}
]
`,
    good: [1, 3, 5],
    bad: [
      { code: 'FERRIS_TYPE_CONVERSION', message: /"two"/, position: { line: 3 }, raw: '"two"' },
      { code: 'FERRIS_RECORD_MALFORMED', message: /must be an object/, position: { line: 5 }, raw: '"four"' },
    ],
  },
]

describe.each(CASES)('poisoned records in $format', (c) => {
  it('sends every bad record to the dead-letter file with its error and position; every good one is written', async () => {
    const dir = tempDir()
    await writeFile(join(dir, c.file), c.text)
    const result = await runApplication(app(dir, c.file, c.format, DEAD(dir)), { registry: registry(), cwd: dir })

    const out = await readJsonLines(join(dir, 'out.jsonl'))
    expect(out.map((r) => r.id)).toEqual(c.good)
    const dead = await deadLetters(join(dir, 'dlq.jsonl'))
    expect(dead).toHaveLength(c.bad.length)
    dead.forEach((d, i) => {
      const want = c.bad[i]!
      expect(d.error_code, JSON.stringify(d)).toBe(want.code)
      expect(d.error_message).toMatch(want.message)
      expect(d.origin).toBe('input')
      expect(d.position).toMatchObject({ ...want.position, file: expect.stringContaining(c.file) })
      expect(typeof d.position.byte).toBe('number')
      expect(d.raw).toContain(want.raw)
      expect(d.attempts).toBe(1)
    })
    // The byte offsets point at the records in the file.
    for (const d of dead) expect(c.text.slice(d.position.byte as number)).toContain(d.raw!.trim().slice(0, 5))
    expect(result.jobs[0]!.deadLettered).toBe(c.bad.length)
    expect(result.jobs[0]!.sources.input).toEqual({ read: c.good.length, bad: c.bad.length })
  })

  it('skips and counts bad records with skip', async () => {
    const dir = tempDir()
    await writeFile(join(dir, c.file), c.text)
    const result = await runApplication(app(dir, c.file, c.format, "'job.bad_records' = 'skip'"), {
      registry: registry(),
      cwd: dir,
    })
    expect((await readJsonLines(join(dir, 'out.jsonl'))).map((r) => r.id)).toEqual(c.good)
    expect(result.jobs[0]!.sources.input).toEqual({ read: c.good.length, bad: c.bad.length })
    expect(result.jobs[0]!.deadLettered).toBe(0)
  })

  it('fails on the first bad record with fail, naming it', async () => {
    const dir = tempDir()
    await writeFile(join(dir, c.file), c.text)
    const first = c.bad[0]!
    try {
      await runApplication(app(dir, c.file, c.format, "'job.bad_records' = 'fail'"), { registry: registry(), cwd: dir })
      expect.unreachable()
    } catch (e) {
      expect(isFerrisError(e) && e.code).toBe(first.code)
      expect((e as Error).message).toMatch(first.message)
    }
  })
})

describe('poisoned records in parquet', () => {
  /** Writes a Parquet file through a first job (CSV to Parquet) so its column types are the file sink's own. */
  async function parquetWith(dir: string, rows: string[]): Promise<void> {
    await writeFile(join(dir, 'src.csv'), ['id,amount,name', ...rows, ''].join('\n'))
    await runApplication(
      `CREATE STREAM pq AS SELECT id, amount, name FROM src
       WITH ('src.uri' = 'file://${dir}/src.csv', 'src.schema' = 'id BIGINT, amount DECIMAL(10,2), name STRING',
             'pq.uri' = 'file://${dir}/in.parquet')`,
      { registry: registry(), cwd: dir },
    )
  }
  // Row 1: 12345.67 does not fit DECIMAL(6,2), the declared type of the reading job. Row 3: NULL in id, which the
  // reading job declares NOT NULL.
  const ROWS = ['1,1.50,a', '2,12345.67,b', '3,3.50,c', ',4.50,d', '5,5.50,e']
  const narrow = (dir: string, policy: string) =>
    `CREATE STREAM out AS SELECT id, amount, name FROM input
     WITH ('input.uri' = 'file://${dir}/in.parquet', 'input.schema' = 'id BIGINT NOT NULL, amount DECIMAL(6,2), name STRING',
           'out.uri' = 'file://${dir}/out.jsonl', ${policy})`

  it('fails with fail, naming the column, the file and the row', async () => {
    const dir = tempDir()
    await parquetWith(dir, ROWS)
    await expect(
      runApplication(narrow(dir, "'job.bad_records' = 'fail'"), { registry: registry(), cwd: dir }),
    ).rejects.toMatchObject({
      code: 'FERRIS_TYPE_CONVERSION',
      message: expect.stringMatching(/amount does not fit DECIMAL\(6, ?2\): 12345\.67 in row 1 of .*in\.parquet/),
      context: expect.objectContaining({
        location: expect.objectContaining({ row: 1, file: expect.stringContaining('in.parquet') }),
      }),
    })
  })

  // The Parquet reader marks the row, not the batch, when a value does not fit the declared type, and the file
  // source reports each such row at { file, row }; it once threw for the whole batch, so one bad value stopped
  // the job whatever `job.bad_records` said.
  it('sends each Parquet row that does not fit to the dead-letter file at { file, row }; every good row is written', async () => {
    const dir = tempDir()
    await parquetWith(dir, ROWS)
    const result = await runApplication(narrow(dir, DEAD(dir)), { registry: registry(), cwd: dir })

    expect((await readJsonLines(join(dir, 'out.jsonl'))).map((r) => r.id)).toEqual([1, 3, 5])
    const dead = await deadLetters(join(dir, 'dlq.jsonl'))
    expect(dead.map((d) => [d.error_code, d.position])).toEqual([
      ['FERRIS_TYPE_CONVERSION', { file: expect.stringContaining('in.parquet'), row: 1 }],
      ['FERRIS_SCHEMA_MISMATCH', { file: expect.stringContaining('in.parquet'), row: 3 }],
    ])
    expect(dead[0]!.error_message).toMatch(/amount does not fit DECIMAL\(6, ?2\): 12345\.67 in row 1/)
    expect(dead[1]!.error_message).toMatch(/Column id is declared NOT NULL but row 3 of .*in\.parquet has NULL/)
    expect(dead.every((d) => d.origin === 'input' && d.attempts === 1)).toBe(true)
    expect(JSON.parse((dead[0] as unknown as { values: string }).values)).toMatchObject({
      amount: '12345.67',
      name: 'b',
    })
    expect(result.jobs[0]!.deadLettered).toBe(2)
    expect(result.jobs[0]!.sources.input).toEqual({ read: 3, bad: 2 })
  })

  it('skips and counts Parquet rows that do not fit with skip', async () => {
    const dir = tempDir()
    await parquetWith(dir, ROWS)
    const result = await runApplication(narrow(dir, "'job.bad_records' = 'skip'"), { registry: registry(), cwd: dir })
    expect((await readJsonLines(join(dir, 'out.jsonl'))).map((r) => r.id)).toEqual([1, 3, 5])
    expect(result.jobs[0]!.sources.input).toEqual({ read: 3, bad: 2 })
    expect(result.jobs[0]!.deadLettered).toBe(0)
  })
})

// A row that decodes but fails to evaluate (division by zero) is named by the file and line (or Parquet row) it
// came from, not only by its ordinal in the stream: the file reader locates each row of a batch.
describe('rows that fail to evaluate', () => {
  const divide = (dir: string, input: string, format: string) =>
    `CREATE STREAM out AS SELECT id, 100 / amount AS share FROM input
     WITH ('input.uri' = 'file://${dir}/${input}', 'input.format' = '${format}',
           'input.schema' = 'id BIGINT, amount BIGINT', 'out.uri' = 'file://${dir}/out.jsonl', ${DEAD(dir)})`

  it('are dead-lettered at their file, line and byte in a CSV input spread over two files', async () => {
    const dir = tempDir()
    await writeFile(join(dir, 'a.csv'), ['id,amount', '1,10', '2,0', '3,5', ''].join('\n'))
    await writeFile(join(dir, 'b.csv'), ['id,amount', '4,4', '5,2', '6,0', ''].join('\n'))
    const result = await runApplication(divide(dir, '*.csv', 'csv'), { registry: registry(), cwd: dir })

    expect((await readJsonLines(join(dir, 'out.jsonl'))).map((r) => r.id)).toEqual([1, 3, 4, 5])
    const dead = await deadLetters(join(dir, 'dlq.jsonl'))
    expect(dead.map((d) => d.position)).toEqual([
      { file: expect.stringMatching(/a\.csv$/), line: 3, byte: 15, record: 2 },
      { file: expect.stringMatching(/b\.csv$/), line: 4, byte: 18, record: 6 },
    ])
    expect(dead[0]!.error_message).toMatch(/line 3 of .*a\.csv \(record 2 of input\)/)
    expect(result.jobs[0]!.deadLettered).toBe(2)
  })

  it('are dead-lettered at their Parquet row', async () => {
    const dir = tempDir()
    await writeFile(join(dir, 'src.csv'), ['id,amount', '1,10', '2,5', '3,0', ''].join('\n'))
    await runApplication(
      `CREATE STREAM pq AS SELECT id, amount FROM src
       WITH ('src.uri' = 'file://${dir}/src.csv', 'src.schema' = 'id BIGINT, amount BIGINT', 'pq.uri' = 'file://${dir}/in.parquet')`,
      { registry: registry(), cwd: dir },
    )
    await runApplication(divide(dir, 'in.parquet', 'parquet'), { registry: registry(), cwd: dir })

    const dead = await deadLetters(join(dir, 'dlq.jsonl'))
    expect(dead.map((d) => d.position)).toEqual([{ file: expect.stringMatching(/in\.parquet$/), row: 2, record: 3 }])
  })
})
