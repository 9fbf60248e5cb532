import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { batchOf, Decimal, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import plugin from '../src/plugin.js'
import { readAll, registry, tempDir, testContext } from './helpers.js'

describe('[file] plugin', () => {
  it('is a plain object naming the file scheme and the legacy type names', () => {
    expect(plugin.name).toBe('@ferris/connector-file')
    expect(plugin.connectors[0]!.scheme).toBe('file')
    expect(plugin.connectors[0]!.typeNames).toEqual({ source: 'file_source', sink: 'file_sink' })
  })

  it('reads a CSV file and writes it back through the registry, by type name and by URI', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'in.csv'), 'id,amount,name\n1,12.50,a\n9007199254740993,-0.01,"b, c"\n')
    const reg = registry()
    const ctx = testContext(dir, 'orders')
    const source = reg.createSource(
      { name: 'orders', role: 'source', properties: { type: 'file_source', path: './in.csv' } },
      ctx,
    )
    await source.open()
    const inferred = await source.discoverSchema()
    expect(inferred?.toString()).toBe('id BIGINT, amount DOUBLE, name STRING')
    const schema = Schema.of(['id', T.int64], ['amount', T.decimal(10, 2)], ['name', T.string])
    const reader = await source.createReader({ schema, batchSize: 100 })
    const { rows } = await readAll(reader)
    expect(rows).toEqual([
      [1n, new Decimal(1250n, 2), 'a'],
      [9007199254740993n, new Decimal(-1n, 2), 'b, c'],
    ])

    const sink = reg.createSink(
      { name: 'out', role: 'sink', properties: { uri: `file://${dir}/out.jsonl` } },
      testContext(dir, 'out'),
    )
    await sink.open()
    const writer = await sink.createWriter({ schema, jobId: 'job-1' })
    await writer.write(batchOf(schema, rows))
    await writer.commit({ checkpointId: 1, positions: {} })
    await writer.close()
    expect(await readFile(join(dir, 'out.jsonl'), 'utf8')).toBe(
      '{"id":1,"amount":12.50,"name":"a"}\n{"id":9007199254740993,"amount":-0.01,"name":"b, c"}\n',
    )
  })
})
