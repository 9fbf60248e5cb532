import { mkdtempSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { plugin as filePlugin } from '@ferris/connector-file'
import { ConnectorRegistry, Schema, T } from '@ferris/core'
import { memoryPlugin } from '@ferris/core/testing'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'

/** A job resumed from its checkpoint keeps the dead letters its earlier runs committed to a file. */

async function deadIds(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(JSON.parse(l).values).id)
}

describe('dead letters across restarts', () => {
  it('a resumed run continues the dead-letter file; a fresh run starts it over', async () => {
    const memory = memoryPlugin()
    const registry = new ConnectorRegistry().register(memory).register(filePlugin)
    // d = 0 fails (division by zero): ids 2 and 5 are dead letters, one before the crash and one after.
    const input = memory.store.set(
      's',
      [1, 0, 2, 4, 0, 5].map((d, i) => [BigInt(i + 1), d]),
      Schema.of(['id', T.int64], ['d', T.int32]),
    )
    const dir = mkdtempSync(join(tmpdir(), 'ferris-dlq-resume-'))
    const dlq = join(dir, 'dlq.jsonl')
    const sql = `CREATE STREAM out AS SELECT id, 100 / d AS q FROM s
      WITH ('s.uri' = 'memory://s', 's.batch_size' = '2', 'out.uri' = 'memory://out',
            'job.bad_records' = 'dead_letter', 'job.dlq.uri' = 'file://${dlq}')`
    input.beforeRead = (pos) => {
      if (pos === 4) throw new Error('simulated crash')
    }
    await expect(runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })).rejects.toThrow(/crash/)
    expect(await deadIds(dlq)).toEqual(['2'])

    delete input.beforeRead
    await runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })
    expect(memory.store.table('out').rows.map((r) => r[0])).toEqual([1n, 3n, 4n, 6n])
    expect(await deadIds(dlq)).toEqual(['2', '5'])

    // Run again: nothing new to read, and the dead letters stay.
    await runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })
    expect(await deadIds(dlq)).toEqual(['2', '5'])

    // --fresh processes everything again and starts the dead letters over with it (no duplicates).
    await runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0, fresh: true })
    expect(await deadIds(dlq)).toEqual(['2', '5'])
  })
})
