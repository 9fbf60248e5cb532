import { type FerrisError, type Row, Schema, T } from '@ferris/core'
import { createTestContext } from '@ferris/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClickhouseSink, defaultConnectionFactory } from '../src/sink/clickhouse-sink.js'
import { quoteIdentifier } from '../src/sql/quote.js'
import { DATABASE, options, requireServer, sql, uniqueName } from './helpers/server.js'

/**
 * `exactly_once=true` against 18.16 (no dedup tokens): hidden marker columns, the commit ledger, and the
 * start-up delete of an unfinished commit's rows. The SIGKILL test through `ferris run` is in packages/cli.
 */
const created: string[] = []
const table = (prefix: string) => {
  const name = uniqueName(prefix)
  created.push(name)

  return name
}
const q = (name: string) => `${quoteIdentifier(DATABASE)}.${quoteIdentifier(name)}`

beforeAll(requireServer)
afterAll(async () => {
  for (const name of created) await sql(`DROP TABLE IF EXISTS ${q(name)}`)
})

const schema = Schema.of(['id', T.int64, false])
const rows = (from: number, to: number): Row[] => {
  const out: Row[] = []
  for (let i = from; i <= to; i++) out.push([BigInt(i)])

  return out
}

async function openSink(raw: Record<string, string>) {
  const test = createTestContext()
  const sink = new ClickhouseSink(options(raw), test.context)
  await sink.open()
  await sink.validateSchema(schema)

  return { sink, test }
}

describe('[clickhouse] exactly_once on a server without dedup tokens', () => {
  it('creates hidden marker columns, stores positions in the ledger, deletes an unfinished commit on restart', async () => {
    const name = table('eo_markers')
    const ledger = table('eo_ledger')
    // A tiny buffer: rows are inserted before the commit, as under memory pressure, so a crash leaves them.
    const raw = {
      table: name,
      create_table: 'true',
      exactly_once: 'true',
      ledger_table: ledger,
      batch_rows: '100',
      max_buffer_bytes: '1kb',
    }
    const first = await openSink(raw)
    expect(first.sink.capabilities).toMatchObject({ idempotent: true, storesPositions: true })
    const w1 = await first.sink.createWriter({ schema, jobId: 'job-a' })
    expect(await w1.committedPositions!()).toBeUndefined()
    await w1.write({ schema, rows: rows(1, 500) })
    await w1.commit({ checkpointId: 1, positions: { src: 500 } })
    await w1.write({ schema, rows: rows(501, 900) })
    // Crash: no commit. The early blocks are in the table already.
    await w1.close()
    await first.sink.close()
    expect(Number(await sql(`SELECT count() FROM ${q(name)}`))).toBeGreaterThan(500)
    // SELECT * does not show the markers.
    expect((await sql(`SELECT * FROM ${q(name)} WHERE id = 1`)).trim()).toBe('1')

    const second = await openSink(raw)
    const w2 = await second.sink.createWriter({ schema, jobId: 'job-a' })
    expect(Number(await sql(`SELECT count() FROM ${q(name)}`))).toBe(500)
    expect(await w2.committedCheckpoint!()).toEqual({ checkpointId: 1, positions: { src: 500 } })
    await w2.write({ schema, rows: rows(501, 1000) })
    await w2.commit({ checkpointId: 2, positions: { src: 1000 } })
    await w2.close()
    await second.sink.close()
    expect((await sql(`SELECT count(), uniqExact(id), min(id), max(id) FROM ${q(name)}`)).trim()).toBe(
      '1000\t1000\t1\t1000',
    )
    expect((await sql(`SELECT _ferris_seq, count() FROM ${q(name)} GROUP BY _ferris_seq ORDER BY 1`)).trim()).toBe(
      '1\t500\n2\t500',
    )
  }, 30_000)

  it('rolls back rows inserted early within one writer', async () => {
    const name = table('eo_rollback')
    const ledger = table('eo_ledger')
    const { sink } = await openSink({
      table: name,
      create_table: 'true',
      exactly_once: 'true',
      ledger_table: ledger,
      batch_rows: '50',
      max_buffer_bytes: '1kb',
    })
    const w = await sink.createWriter({ schema, jobId: 'job-b' })
    await w.write({ schema, rows: rows(1, 300) })
    await w.rollback()
    await w.write({ schema, rows: rows(1, 300) })
    await w.commit({ checkpointId: 1, positions: { src: 300 } })
    await w.close()
    await sink.close()
    expect((await sql(`SELECT count(), uniqExact(id) FROM ${q(name)}`)).trim()).toBe('300\t300')
  }, 30_000)

  it('does not resend an INSERT in doubt: the job stops, and the next start deletes what it stored', async () => {
    const name = table('eo_doubt')
    const raw = {
      table: name,
      create_table: 'true',
      exactly_once: 'true',
      ledger_table: table('eo_ledger'),
      batch_rows: '100',
    }
    // The second data INSERT reaches the server, then its answer is lost (a reset socket).
    let dataInserts = 0
    const test = createTestContext()
    const sink = new ClickhouseSink(options(raw), test.context, (o) => {
      const real = defaultConnectionFactory(o)

      return {
        command: (sql, settings) => real.command(sql, settings),
        rows: (sql, settings) => real.rows(sql, settings),
        stream: (sql, settings, signal) => real.stream(sql, settings, signal),
        close: () => real.close(),
        insert: async (sql, body, settings, id) => {
          await real.insert(sql, body, settings, id)
          if (sql.includes(quoteIdentifier(name)) && ++dataInserts === 2) {
            throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
          }
        },
      }
    })
    await sink.open()
    await sink.validateSchema(schema)
    const w = await sink.createWriter({ schema, jobId: 'job-d' })
    await w.write({ schema, rows: rows(1, 300) })
    const error = (await w.commit({ checkpointId: 1, positions: { src: 300 } }).catch((e) => e)) as FerrisError
    expect(error.code).toBe('FERRIS_CONNECTION_FAILED')
    expect(error.retryable).toBe(false)
    expect(error.context.hint).toContain('Start the job again')
    await w.close()
    await sink.close()
    // One block was not resent: 200 rows stored, none in the ledger.
    expect(Number(await sql(`SELECT count() FROM ${q(name)}`))).toBe(200)

    const again = await openSink(raw)
    const w2 = await again.sink.createWriter({ schema, jobId: 'job-d' })
    expect(await w2.committedPositions!()).toBeUndefined()
    await w2.write({ schema, rows: rows(1, 300) })
    await w2.commit({ checkpointId: 1, positions: { src: 300 } })
    await w2.close()
    await again.sink.close()
    expect((await sql(`SELECT count(), uniqExact(id) FROM ${q(name)}`)).trim()).toBe('300\t300')
  }, 30_000)

  it('refuses a table without the marker columns, saying how to add them, and takes it once they are there', async () => {
    const name = table('eo_plain')
    await sql(`CREATE TABLE ${q(name)} (id Int64) ENGINE = MergeTree ORDER BY tuple()`)
    const raw = { table: name, exactly_once: 'true', ledger_table: table('eo_ledger') }
    const sink = new ClickhouseSink(options(raw), createTestContext().context)
    const error = (await sink.open().catch((e) => e)) as FerrisError
    await sink.close()
    expect(error.code).toBe('FERRIS_UNSUPPORTED')
    expect(error.message).toContain('_ferris_job String and _ferris_seq UInt64')
    expect(error.context.hint).toContain('ADD COLUMN `_ferris_job` String MATERIALIZED')

    await sql(error.context.hint!.slice(error.context.hint!.indexOf('ALTER'), error.context.hint!.indexOf(';')))
    const { sink: again } = await openSink(raw)
    expect(again.capabilities.storesPositions).toBe(true)
    await again.close()
  }, 30_000)

  it('refuses an engine without mutations', async () => {
    const name = table('eo_log')
    await sql(`CREATE TABLE ${q(name)} (id Int64) ENGINE = Log`)
    const sink = new ClickhouseSink(options({ table: name, exactly_once: 'true' }), createTestContext().context)
    const error = (await sink.open().catch((e) => e)) as FerrisError
    await sink.close()
    expect(error.code).toBe('FERRIS_UNSUPPORTED')
    expect(error.message).toContain('uses Log')
  })

  it('stays at-least-once and stores no positions without the opt-in', async () => {
    const { sink } = await openSink({ table: table('eo_off'), create_table: 'true' })
    expect(sink.capabilities).toMatchObject({ idempotent: false, storesPositions: false })
    const w = await sink.createWriter({ schema, jobId: 'job-c' })
    expect(w.committedPositions).toBeUndefined()
    await w.close()
    await sink.close()
  })
})
