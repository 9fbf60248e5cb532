import { Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { explain } from '../../src/planner/explain.js'
import { plan } from '../../src/planner/planner.js'

const EVENTS = Schema.of(['k', T.string], ['ts', T.timestamp('ms')], ['v', T.int64])
const USERS = Schema.of(['k', T.string], ['name', T.string])

describe('EXPLAIN of windows and joins', () => {
  it('prints the window, the watermark and the late-record policy', async () => {
    const p = await plan(
      `SELECT k, window_end, SUM(v) AS total FROM events GROUP BY k WINDOW SLIDING(ts, 10m, 30s)
       WITH ('events.uri' = 'memory://e', 'events.watermark.delay' = '5s', 'job.late_records' = 'update')`,
      { schemas: { events: EVENTS } },
    )
    expect(explain(p)).toContain(
      'Aggregate by k: window SLIDING(ts, 10m, 30s), watermark delay 5s, late records update; SUM(v) (EMIT FINAL)',
    )
    expect(p.jobs[0]!.root.schema.fields.map((f) => `${f.name} ${f.type.kind}`)).toEqual([
      'k string',
      'window_end timestamp',
      'total int64',
    ])
  })

  it('prints a lookup join with its keys and the rest of ON', async () => {
    const p = await plan(
      `SELECT e.v, u.name FROM events e LEFT JOIN users u ON u.k = e.k AND u.name <> 'x'
       WITH ('events.uri' = 'memory://e', 'users.uri' = 'memory://u')`,
      { schemas: { events: EVENTS, users: USERS } },
    )
    expect(explain(p)).toContain("Join LEFT lookup table users ON e.k = u.k AND u.name <> 'x'")
  })
})
