import { mkdtempSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { plugin as filePlugin } from '@ferris/connector-file'
import { ConnectorRegistry } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'

/**
 * Records whose shape drifts from the schema the job was planned with. The decision sits where records are
 * decoded into `ReaderOptions.schema` (packages/formats): a compatible drift is evolved there, an
 * incompatible one becomes a bad record for the job's policy (or, for Parquet, a whole-file mismatch that
 * stops the job before a row is read). These tests pin that contract end to end.
 */

const registry = () => new ConnectorRegistry().register(filePlugin)
const tempDir = () => mkdtempSync(join(tmpdir(), 'ferris-drift-'))

async function lines(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '')
}

const job = (dir: string, input: string, schema: string | undefined, extra = '') =>
  `CREATE STREAM out AS SELECT * FROM input
   WITH ('input.uri' = 'file://${dir}/${input}'${schema === undefined ? '' : `, 'input.schema' = '${schema}'`},
         'out.uri' = 'file://${dir}/out.jsonl', 'job.bad_records' = 'dead_letter',
         'job.dlq.uri' = 'file://${dir}/dlq.jsonl'${extra})`

describe('schema drift: evolved when compatible', () => {
  it('JSON lines: drops an extra field, reads a missing nullable field as NULL, widens INT to BIGINT and DOUBLE', async () => {
    const dir = tempDir()
    await writeFile(
      join(dir, 'in.jsonl'),
      [
        '{"id": 1, "qty": 2, "price": 1.5, "note": "x"}',
        '{"id": 2, "qty": 3, "price": 4, "note": "y", "added_later": true}',
        '{"id": 9007199254740993, "price": 2.25}',
        '',
      ].join('\n'),
    )
    const result = await runApplication(
      job(dir, 'in.jsonl', 'id BIGINT NOT NULL, qty INT, price DOUBLE, note STRING'),
      {
        registry: registry(),
        cwd: dir,
      },
    )
    expect(await lines(join(dir, 'out.jsonl'))).toEqual([
      '{"id":1,"qty":2,"price":1.5,"note":"x"}',
      '{"id":2,"qty":3,"price":4,"note":"y"}',
      '{"id":9007199254740993,"qty":null,"price":2.25,"note":null}',
    ])
    expect(result.jobs[0]!.deadLettered).toBe(0)
  })

  it('CSV: ignores a column the schema does not name and reads a missing nullable column as NULL', async () => {
    const dir = tempDir()
    await writeFile(join(dir, 'in.csv'), 'id,extra,price\n1,zzz,1.5\n2,yyy,2.5\n')
    await runApplication(job(dir, 'in.csv', 'id BIGINT NOT NULL, price DOUBLE, note STRING'), {
      registry: registry(),
      cwd: dir,
    })
    expect(await lines(join(dir, 'out.jsonl'))).toEqual([
      '{"id":1,"price":1.5,"note":null}',
      '{"id":2,"price":2.5,"note":null}',
    ])
  })

  it('Parquet: a column stored as INT is read as the BIGINT the job declares', async () => {
    const dir = tempDir()
    await writeFile(join(dir, 'src.csv'), 'id,qty\n1,10\n2,20\n')
    await runApplication(
      `CREATE STREAM pq AS SELECT id, qty FROM src WITH ('src.uri' = 'file://${dir}/src.csv',
       'src.schema' = 'id BIGINT NOT NULL, qty INT', 'pq.uri' = 'file://${dir}/in.parquet')`,
      { registry: registry(), cwd: dir },
    )
    await runApplication(job(dir, 'in.parquet', 'id BIGINT NOT NULL, qty BIGINT'), { registry: registry(), cwd: dir })
    expect(await lines(join(dir, 'out.jsonl'))).toEqual(['{"id":1,"qty":10}', '{"id":2,"qty":20}'])
  })
})

describe('schema drift: the bad-record policy when incompatible', () => {
  it('JSON lines: a field whose type changed after the inference sample becomes a dead letter', async () => {
    const dir = tempDir()
    // The first two records are the sample: qty is inferred as an integer; the third holds text.
    await writeFile(
      join(dir, 'in.jsonl'),
      '{"id": 1, "qty": 2}\n{"id": 2, "qty": 3}\n{"id": 3, "qty": "many"}\n{"id": 4, "qty": 5}\n',
    )
    const result = await runApplication(job(dir, 'in.jsonl', undefined, ", 'input.sample_size' = '2'"), {
      registry: registry(),
      cwd: dir,
    })
    expect((await lines(join(dir, 'out.jsonl'))).map((l) => JSON.parse(l).id)).toEqual([1, 2, 4])
    const dead = (await lines(join(dir, 'dlq.jsonl'))).map((l) => JSON.parse(l))
    expect(dead).toHaveLength(1)
    expect(dead[0]).toMatchObject({ error_code: 'FERRIS_TYPE_CONVERSION', raw: '{"id": 3, "qty": "many"}' })
    expect(JSON.parse(dead[0].position)).toMatchObject({ line: 3 })
    expect(result.jobs[0]!.deadLettered).toBe(1)
  })

  it('JSON lines: a NOT NULL field missing from a record becomes a dead letter', async () => {
    const dir = tempDir()
    await writeFile(join(dir, 'in.jsonl'), '{"id": 1, "qty": 2}\n{"qty": 3}\n')
    await runApplication(job(dir, 'in.jsonl', 'id BIGINT NOT NULL, qty INT'), { registry: registry(), cwd: dir })
    expect(await lines(join(dir, 'out.jsonl'))).toEqual(['{"id":1,"qty":2}'])
    const dead = (await lines(join(dir, 'dlq.jsonl'))).map((l) => JSON.parse(l))
    expect(dead.map((d) => [d.error_code, d.error_message])).toEqual([
      ['FERRIS_RECORD_MALFORMED', `Field "id" is NOT NULL but the record lacks it (${dir}/in.jsonl, line 2, byte 20)`],
    ])
  })

  it('Parquet: a column whose stored type cannot be read as the declared one stops the job before any row', async () => {
    const dir = tempDir()
    await writeFile(join(dir, 'src.csv'), 'id,price\n1,1.5\n')
    await runApplication(
      `CREATE STREAM pq AS SELECT id, price FROM src WITH ('src.uri' = 'file://${dir}/src.csv',
       'src.schema' = 'id BIGINT NOT NULL, price DOUBLE', 'pq.uri' = 'file://${dir}/in.parquet')`,
      { registry: registry(), cwd: dir },
    )
    await expect(
      runApplication(job(dir, 'in.parquet', 'id BIGINT NOT NULL, price INT'), { registry: registry(), cwd: dir }),
    ).rejects.toMatchObject({
      code: 'FERRIS_SCHEMA_MISMATCH',
      message: expect.stringMatching(/Column price of .*in\.parquet is DOUBLE, which cannot be read as INT/),
    })
    await expect(readFile(join(dir, 'dlq.jsonl'), 'utf8').catch(() => '')).resolves.toBe('')
  })
})

describe('columns checked before a job starts', () => {
  it('refuses a column the discovered schema lacks, before reading or writing anything', async () => {
    const dir = tempDir()
    await writeFile(join(dir, 'in.csv'), 'id,price\n1,1.5\n')
    await expect(
      runApplication(
        `CREATE STREAM out AS SELECT id, prize FROM input
         WITH ('input.uri' = 'file://${dir}/in.csv', 'out.uri' = 'file://${dir}/out.jsonl')`,
        { registry: registry(), cwd: dir },
      ),
    ).rejects.toMatchObject({ code: 'FERRIS_SQL_SEMANTIC', message: expect.stringMatching(/prize/) })
    await expect(readFile(join(dir, 'out.jsonl'), 'utf8')).rejects.toThrow()
  })
})
