import { type DataWriter, type Row, Schema, T } from '@ferris/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { PostgresSink } from '../../src/sink/postgres-sink.js'
import {
  adminClient,
  createTable,
  dropTableAfter,
  optionsFor,
  requireServer,
  testContext,
  uniqueName,
} from '../helpers/pg-server.js'

beforeAll(requireServer)

/** Cuts the writer's connection the way a killed process does: no ROLLBACK, no Terminate message. */
function killConnection(writer: DataWriter): void {
  const client = (
    writer as unknown as { connectionForTests(): { connection: { stream: { destroy(): void } } } | undefined }
  ).connectionForTests()
  client?.connection.stream.destroy()
}

describe('exactly-once across crashes', () => {
  it('resumes from committedPositions after connections die mid-checkpoint, with no row lost or repeated', async () => {
    const table = uniqueName('crash')
    const positions = uniqueName('crash_pos')
    dropTableAfter(positions)
    const admin = await adminClient()
    await createTable(admin, table, 'id bigint')
    const schema = Schema.of(['id', T.int64])
    const options = optionsFor(table, { exactly_once: 'true', positions_table: positions, batch_size: '300' })
    const TOTAL = 20_000
    const PER_CHECKPOINT = 1_000
    let crashes = 0
    let checkpoint = 0
    // Each "process" resumes from the stored position, writes some checkpoints, and dies halfway through one.
    for (let life = 0; ; life++) {
      const sink = new PostgresSink(options, testContext('out'))
      const writer = await sink.createWriter({ schema, jobId: 'job-crash' })
      const stored = (await writer.committedPositions?.())?.numbers as { next: number } | undefined
      let next = stored?.next ?? 0
      if (next >= TOTAL) {
        await writer.close()
        await sink.close()
        break
      }
      const crashAt = next + PER_CHECKPOINT * (1 + (life % 3)) + 137 * life
      while (next < TOTAL) {
        const end = Math.min(TOTAL, next + PER_CHECKPOINT)
        const rows: Row[] = []
        for (let i = next; i < end; i++) rows.push([BigInt(i)])
        if (crashAt >= next && crashAt < end && life < 6) {
          await writer.write({ schema, rows: rows.slice(0, crashAt - next) })
          await writer.flush()
          killConnection(writer)
          crashes++
          break
        }
        await writer.write({ schema, rows })
        await writer.commit({ checkpointId: ++checkpoint, positions: { numbers: { next: end } } })
        next = end
      }
      // The dead process's sink object is simply dropped.
    }
    expect(crashes).toBeGreaterThan(3)
    const r = await admin.query(
      `SELECT count(*)::int AS n, count(DISTINCT id)::int AS d, min(id)::int AS lo, max(id)::int AS hi FROM "${table}"`,
    )
    expect(r.rows[0]).toEqual({ n: TOTAL, d: TOTAL, lo: 0, hi: TOTAL - 1 })
  })
})
