import { connectorOptions, type FerrisError, Schema, T } from '@ferris/core'
import { createTestContext } from '@ferris/core/testing'
import { describe, expect, it } from 'vitest'
import { clickhouseOptions } from '../../src/options.js'
import { parseServerVersion } from '../../src/server-version.js'
import { ClickhouseSink } from '../../src/sink/clickhouse-sink.js'
import { checkMarkedTable, MARKER_COLUMNS_DDL } from '../../src/sink/commit-ledger.js'
import { parseClickhouseType } from '../../src/types/clickhouse-type.js'
import { createTableSql } from '../../src/types/type-mapping.js'
import { FakeConnection } from '../helpers/fake-connection.js'

const info = (engine: string, columns: Array<[string, string]>) => ({
  engine,
  engineFull: engine,
  columns: columns.map(([name, type]) => ({ name, type: parseClickhouseType(type) })),
})

describe('[clickhouse] exactly_once markers', () => {
  it('takes a MergeTree-family table with both markers', () => {
    const markers: Array<[string, string]> = [
      ['id', 'Int64'],
      ['_ferris_job', 'String'],
      ['_ferris_seq', 'UInt64'],
    ]
    expect(() => checkMarkedTable(info('ReplacingMergeTree', markers), 'db.t', 'out')).not.toThrow()
  })

  it('refuses a missing or mistyped marker, with the ALTER TABLE that adds them', () => {
    const error = (() => {
      try {
        checkMarkedTable(
          info('MergeTree', [
            ['id', 'Int64'],
            ['_ferris_seq', 'UInt32'],
          ]),
          'db.t',
          'out',
        )
      } catch (e) {
        return e as FerrisError
      }

      return undefined
    })()!
    expect(error.code).toBe('FERRIS_UNSUPPORTED')
    expect(error.message).toContain('it has _ferris_job (missing), _ferris_seq UInt32')
    expect(error.context.hint).toContain(
      "ALTER TABLE `db`.`t` ADD COLUMN `_ferris_job` String MATERIALIZED '', ADD COLUMN `_ferris_seq` UInt64 MATERIALIZED 0",
    )
  })

  it('refuses engines without mutations', () => {
    expect(() => checkMarkedTable(info('Memory', [['id', 'Int64']]), 'db.t', 'out')).toThrow(/uses Memory/)
  })

  it('puts the markers after the query columns of a created table', () => {
    const sql = createTableSql('`db`.`t`', Schema.of(['id', T.int64, false]), parseServerVersion('18.16.1'), {
      engine: 'MergeTree',
      orderBy: [],
      lowCardinality: [],
      timestampFallback: 'fail',
      hiddenColumns: MARKER_COLUMNS_DDL,
    })
    expect(sql).toBe(
      "CREATE TABLE IF NOT EXISTS `db`.`t` (\n  `id` Int64,\n  `_ferris_job` String MATERIALIZED '',\n  `_ferris_seq` UInt64 MATERIALIZED 0\n) ENGINE = MergeTree ORDER BY tuple()",
    )
  })

  it('keeps the token path from 22.2 on: no markers, no positions stored', async () => {
    const fake = new FakeConnection('26.9.2.1', {
      engine: 'MergeTree',
      engineFull: 'MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 1000',
      columns: [['id', 'Int64']],
    })
    const options = connectorOptions(clickhouseOptions)
      .merge({ url: 'http://127.0.0.1:1', database: 'ferris', table: 't', exactly_once: 'true' })
      .build('out')
    const sink = new ClickhouseSink(options, createTestContext().context, () => fake)
    await sink.open()
    const schema = Schema.of(['id', T.int64, false])
    await sink.validateSchema(schema)
    expect(sink.capabilities).toMatchObject({ idempotent: true, storesPositions: false })
    const writer = await sink.createWriter({ schema, jobId: 'j' })
    expect(writer.committedPositions).toBeUndefined()
    await writer.write({ schema, rows: [[1n]] })
    await writer.commit({ checkpointId: 1, positions: {} })
    expect(fake.inserts[0]!.sql).toBe('INSERT INTO `ferris`.`t` (`id`) FORMAT JSONEachRow')
    expect(fake.inserts[0]!.settings.insert_deduplication_token).toMatch(/^ferris:j:1:0:/)
  })
})
