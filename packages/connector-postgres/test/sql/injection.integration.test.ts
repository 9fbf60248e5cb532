import { ChangeKind, Schema, T } from '@ferris/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { PostgresSink } from '../../src/sink/postgres-sink.js'
import { PostgresSource } from '../../src/source/postgres-source.js'
import { drain, rowCount } from '../helpers/drain.js'
import {
  adminClient,
  createTable,
  dropSlotAfter,
  dropTableAfter,
  optionsFor,
  requireServer,
  testContext,
  uniqueName,
} from '../helpers/pg-server.js'

beforeAll(requireServer)

describe('identifiers from users', () => {
  it('cannot inject SQL through table, column, key or publication names', async () => {
    const admin = await adminClient()
    const victim = uniqueName('victim')
    await createTable(admin, victim, 'v int')
    await admin.query(`INSERT INTO "${victim}" VALUES (1)`)
    const table = `${uniqueName('inj')}"; DROP TABLE "${victim}"; --`
    dropTableAfter(table)
    const evilColumn = `v"; DELETE FROM "${victim}"; --`
    const evilKey = `k') OR 1=1; --`
    const schema = Schema.of([evilKey, T.string, false], [evilColumn, T.int64], ['Mixed Case', T.string])
    const sink = new PostgresSink(optionsFor(table, { create_table: 'true', key: evilKey }), testContext('out'))
    await sink.validateSchema(schema)
    const writer = await sink.createWriter({ schema, jobId: 'job-inj' })
    await writer.write({
      schema,
      rows: [
        ["a'; --", 1n, 'x'],
        ['b', 2n, 'y'],
        ['b', 3n, 'z'],
        ['c', 4n, 'w'],
        ["a'; --", null, null],
      ],
      kinds: Uint8Array.of(
        ChangeKind.INSERT,
        ChangeKind.INSERT,
        ChangeKind.UPDATE_AFTER,
        ChangeKind.INSERT,
        ChangeKind.DELETE,
      ),
    })
    await writer.commit({ checkpointId: 1, positions: {} })
    await writer.close()
    await sink.close()

    expect((await admin.query(`SELECT count(*)::int AS n FROM "${victim}"`)).rows[0].n).toBe(1)
    const quoted = `"${table.replaceAll('"', '""')}"`
    const stored = await admin.query(`SELECT * FROM ${quoted} ORDER BY 1`)
    expect(stored.rows).toEqual([
      { [evilKey]: 'b', [evilColumn]: '3', 'Mixed Case': 'z' },
      { [evilKey]: 'c', [evilColumn]: '4', 'Mixed Case': 'w' },
    ])

    // The source reads the same table by name, and change capture follows it with a quoted publication.
    const source = new PostgresSource(optionsFor(table), testContext('in'))
    expect((await source.discoverSchema()).names).toEqual([evilKey, evilColumn, 'Mixed Case'])
    const reader = await source.createReader({ schema, batchSize: 10 })
    expect(rowCount((await drain(reader)).batches)).toBe(2)
    await reader.close()

    const slot = uniqueName('inj_slot')
    const publication = `pub"; DROP TABLE "${victim}"; --`
    dropSlotAfter(slot, publication.replaceAll('"', '""'))
    const cdc = new PostgresSource(
      optionsFor(table, { cdc: 'true', slot, publication, poll_interval: '100ms' }),
      testContext('cdc'),
    )
    const changes = await cdc.createReader({ schema, batchSize: 10 })
    await admin.query(`INSERT INTO ${quoted} VALUES ('d', 5, 'v')`)
    const { batches } = await drain(changes, (bs) => rowCount(bs) >= 3)
    expect(batches.flatMap((b) => b.rows)).toEqual([
      ['b', 3n, 'z'],
      ['c', 4n, 'w'],
      ['d', 5n, 'v'],
    ])
    await changes.close()
    expect((await admin.query(`SELECT count(*)::int AS n FROM "${victim}"`)).rows[0].n).toBe(1)
    await admin.query(`DROP PUBLICATION IF EXISTS "${publication.replaceAll('"', '""')}"`)
  })
})
