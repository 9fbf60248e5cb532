import { Decimal, isFerrisError, type Row, Schema, T, type Value } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { Pipeline, type PipelineBatch } from '../../src/execution/operators.js'
import type { RowWindowOperator } from '../../src/execution/row-window-operator.js'
import { explain } from '../../src/planner/explain.js'
import { plan } from '../../src/planner/planner.js'

const T_SCHEMA = Schema.of(
  ['k', T.string],
  ['ts', T.timestamp('ms')],
  ['x', T.int64],
  ['d', T.decimal(10, 2)],
  ['f', T.float64],
)
const MS = 1_000_000n
const WITH = "WITH ('t.uri' = 'memory://t')"

async function pipeline(sql: string, errors: unknown[] = []) {
  const planned = await plan(sql, { schemas: { t: T_SCHEMA } })
  const p = new Pipeline(planned.jobs[0]!.root, { queryStartNanos: 0n, timeZone: 'UTC' }, (e) => {
    errors.push(e)
  })
  const op = p.operators.find((o) => 'lateRecords' in o) as unknown as RowWindowOperator
  return { p, op, planned }
}

/** Runs `sql` over `batches` (each a list of rows) and the end of input; returns every output row. */
async function run(sql: string, batches: Row[][], errors: unknown[] = []): Promise<Value[][]> {
  const { p } = await pipeline(sql, errors)
  const out: PipelineBatch[] = batches.map((rows) => p.process({ schema: T_SCHEMA, rows }))
  out.push(...p.finish())
  return out.flatMap((b) => b.rows.map((r) => r.map(show)))
}

/** Decimals as text, so expectations read as numbers. */
const show = (v: Value | undefined): Value => (v instanceof Decimal ? v.toString() : (v ?? null))
/** A row of T_SCHEMA: key, event time in ms, x, d, f. */
const r = (
  k: string | null,
  t: number,
  x: number | bigint | null,
  d: string | null = null,
  f: number | null = null,
): Row => [k, BigInt(t) * MS, x === null ? null : BigInt(x), d === null ? null : Decimal.parse(d), f]

async function failure(sql: string): Promise<Error & { code: string; context: Record<string, unknown> }> {
  try {
    await plan(sql, { schemas: { t: T_SCHEMA } })
  } catch (e) {
    if (isFerrisError(e)) return e as never
    throw e
  }
  throw new Error(`expected ${JSON.stringify(sql)} to fail`)
}

describe('OVER: ranking', () => {
  it('numbers rows, and ranks ties equally with RANK leaving gaps and DENSE_RANK not', async () => {
    const out = await run(
      `SELECT k, x, ROW_NUMBER() OVER (PARTITION BY k ORDER BY x) AS rn, RANK() OVER (PARTITION BY k ORDER BY x) AS rk,
         DENSE_RANK() OVER (PARTITION BY k ORDER BY x) AS dr FROM t ${WITH}`,
      [
        [r('a', 1, 10), r('a', 2, 20), r('b', 3, 5)],
        [r('a', 4, 10), r('a', 5, 30), r('a', 6, 20)],
      ],
    )
    expect(out).toEqual([
      ['a', 10n, 1n, 1n, 1n],
      ['a', 10n, 2n, 1n, 1n],
      ['a', 20n, 3n, 3n, 2n],
      ['a', 20n, 4n, 3n, 2n],
      ['a', 30n, 5n, 5n, 3n],
      ['b', 5n, 1n, 1n, 1n],
    ])
  })

  it('puts NULL partition keys into one partition and sorts NULL order keys last ascending, first descending', async () => {
    const rows = [r(null, 1, 3), r('a', 2, null), r(null, 3, null), r('a', 4, 1), r(null, 5, 2)]
    expect(
      await run(`SELECT k, x, ROW_NUMBER() OVER (PARTITION BY k ORDER BY x) AS rn FROM t ${WITH}`, [rows]),
    ).toEqual([
      [null, 2n, 1n],
      [null, 3n, 2n],
      [null, null, 3n],
      ['a', 1n, 1n],
      ['a', null, 2n],
    ])
    expect(await run(`SELECT k, x, RANK() OVER (PARTITION BY k ORDER BY x DESC) AS rk FROM t ${WITH}`, [rows])).toEqual(
      [
        [null, null, 1n],
        [null, 3n, 2n],
        [null, 2n, 3n],
        ['a', null, 1n],
        ['a', 1n, 2n],
      ],
    )
  })

  it('ranks every row 1 without ORDER BY (all rows are peers) and numbers them in arrival order', async () => {
    const out = await run(`SELECT x, ROW_NUMBER() OVER () AS rn, RANK() OVER () AS rk FROM t ${WITH}`, [
      [r('a', 1, 7), r('b', 2, 3), r('a', 3, 5)],
    ])
    expect(out).toEqual([
      [7n, 1n, 1n],
      [3n, 2n, 1n],
      [5n, 3n, 1n],
    ])
  })
})

describe('OVER: LAG and LEAD', () => {
  it('reads the row before and after, with offsets and defaults, and keeps NULL values as values', async () => {
    const out = await run(
      `SELECT x, LAG(x) OVER w1 AS p, LAG(x, 2, -1) OVER w1 AS p2, LEAD(x) OVER w1 AS n, LEAD(x, 2, x * 100) OVER w1 AS n2,
         LAG(x, 0) OVER w1 AS same FROM t ${WITH}`.replaceAll('OVER w1', 'OVER (PARTITION BY k ORDER BY ts)'),
      [[r('a', 1, 1), r('a', 2, null), r('a', 3, 3), r('a', 4, 4)]],
    )
    expect(out).toEqual([
      [1n, null, -1n, null, 3n, 1n],
      [null, 1n, -1n, 3n, 4n, null],
      [3n, null, 1n, 4n, 300n, 3n],
      [4n, 3n, null, null, 400n, 4n],
    ])
  })

  it('widens the value and the default to their common type', async () => {
    const { planned } = await pipeline(`SELECT LAG(d, 1, 0) OVER (ORDER BY ts) AS p FROM t ${WITH}`)
    expect(planned.jobs[0]!.root.schema.toString()).toBe('p DECIMAL(12, 2)')
  })
})

describe('OVER: aggregates over frames', () => {
  const rows = [
    r('a', 1, 1, '1.10', 0.1),
    r('a', 2, 2, '2.20', 0.2),
    r('a', 3, null, null, null),
    r('a', 4, 4, '4.40', 0.4),
    r('a', 5, 5, '5.50', 0.5),
  ]

  it('computes running totals with UNBOUNDED PRECEDING, skipping NULLs, in exact types', async () => {
    const out = await run(
      `SELECT x, SUM(x) OVER w AS s, COUNT(x) OVER w AS c, COUNT(*) OVER w AS n, AVG(x) OVER w AS a, MIN(d) OVER w AS lo,
         MAX(d) OVER w AS hi, SUM(d) OVER w AS sd, SUM(f) OVER w AS sf FROM t ${WITH}`.replaceAll(
        'OVER w',
        'OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)',
      ),
      [rows],
    )
    expect(out).toEqual([
      [1n, 1n, 1n, 1n, '1.000000', '1.10', '1.10', '1.10', 0.1],
      [2n, 3n, 2n, 2n, '1.500000', '1.10', '2.20', '3.30', 0.1 + 0.2],
      [null, 3n, 2n, 3n, '1.500000', '1.10', '2.20', '3.30', 0.1 + 0.2],
      [4n, 7n, 3n, 4n, '2.333333', '1.10', '4.40', '7.70', 0.1 + 0.2 + 0.4],
      [5n, 12n, 4n, 5n, '3.000000', '1.10', '5.50', '13.20', 0.1 + 0.2 + 0.4 + 0.5],
    ])
  })

  it('types the results like GROUP BY: SUM(BIGINT) BIGINT, SUM(DECIMAL) DECIMAL(38, s), AVG DECIMAL(38, 6)', async () => {
    const { planned } = await pipeline(
      `SELECT SUM(x) OVER (ORDER BY ts) AS s, SUM(d) OVER (ORDER BY ts) AS sd, AVG(x) OVER (ORDER BY ts) AS a,
         AVG(f) OVER (ORDER BY ts) AS af, COUNT(*) OVER (ORDER BY ts) AS n, MIN(k) OVER (ORDER BY ts) AS m FROM t ${WITH}`,
    )
    expect(planned.jobs[0]!.root.schema.toString()).toBe(
      's BIGINT, sd DECIMAL(38, 2), a DECIMAL(38, 6), af DOUBLE, n BIGINT NOT NULL, m STRING',
    )
  })

  it('slides n PRECEDING frames, looks ahead with FOLLOWING, and gives empty frames NULL and 0', async () => {
    const out = await run(
      `SELECT x,
         SUM(x) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s2,
         MAX(x) OVER (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING) AS prev_max,
         SUM(x) OVER (ORDER BY ts ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS s_next,
         COUNT(*) OVER (ORDER BY ts ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING) AS ahead,
         SUM(x) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND UNBOUNDED FOLLOWING) AS rest,
         COUNT(x) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 2 PRECEDING) AS none
       FROM t ${WITH}`,
      [rows],
    )
    expect(out).toEqual([
      [1n, 1n, null, 3n, 3n, 12n, 0n],
      [2n, 3n, 1n, 2n, 3n, 12n, 0n],
      [null, 2n, 2n, 4n, 2n, 11n, 0n],
      [4n, 4n, 2n, 9n, 1n, 9n, 0n],
      [5n, 9n, 4n, 5n, 0n, 9n, 0n],
    ])
  })

  it('lets peers share the default RANGE frame, and takes the whole partition without ORDER BY', async () => {
    const out = await run(
      `SELECT k, x, SUM(x) OVER (PARTITION BY k ORDER BY x) AS running, SUM(x) OVER (PARTITION BY k) AS total,
         COUNT(*) OVER (PARTITION BY k ORDER BY x RANGE BETWEEN CURRENT ROW AND CURRENT ROW) AS peers,
         SUM(x) OVER (PARTITION BY k ORDER BY x RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS from_peers
       FROM t ${WITH}`,
      [[r('a', 1, 2), r('a', 2, 1), r('a', 3, 2), r('b', 4, 9), r('a', 5, 3)]],
    )
    expect(out).toEqual([
      ['a', 1n, 1n, 8n, 1n, 8n],
      ['a', 2n, 5n, 8n, 2n, 7n],
      ['a', 2n, 5n, 8n, 2n, 7n],
      ['a', 3n, 8n, 8n, 1n, 3n],
      ['b', 9n, 9n, 9n, 1n, 9n],
    ])
  })

  it('applies FILTER (WHERE ...) to a window aggregate', async () => {
    const out = await run(`SELECT x, COUNT(*) FILTER (WHERE x > 1) OVER (ORDER BY ts) AS big FROM t ${WITH}`, [
      [r('a', 1, 1), r('a', 2, 2), r('a', 3, 3)],
    ])
    expect(out).toEqual([
      [1n, 0n],
      [2n, 1n],
      [3n, 2n],
    ])
  })

  it('hands a row whose BIGINT sum overflows to the bad-record policy, like GROUP BY SUM', async () => {
    const errors: unknown[] = []
    const out = await run(
      `SELECT x, SUM(x) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM t ${WITH}`,
      [[r('a', 1, 2n ** 62n), r('a', 2, 2n ** 62n), r('a', 3, 1)]],
      errors,
    )
    expect(out).toEqual([
      [2n ** 62n, 2n ** 62n],
      [1n, 2n ** 62n + 1n],
    ])
    expect(errors).toHaveLength(1)
    expect((errors[0] as { code: string }).code).toBe('FERRIS_ARITHMETIC_OVERFLOW')
  })
})

describe('OVER: event time', () => {
  const SQL = `SELECT k, x, ROW_NUMBER() OVER w AS rn, LAG(x) OVER w AS p, LEAD(x) OVER w AS n,
      SUM(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s3
    FROM t WITH ('t.uri' = 'memory://t', 't.watermark.delay' = '5ms')`.replaceAll(
    'OVER w',
    'OVER (PARTITION BY k ORDER BY ts)',
  )

  it('sorts out-of-order rows within the delay, emits a row once the watermark passes the row after it, and drops late rows', async () => {
    const { p, op } = await pipeline(SQL)
    const batch = (rows: Row[]) => p.process({ schema: T_SCHEMA, rows }).rows.map((x) => x.map(show))
    expect(batch([r('a', 10, 10), r('a', 5, 5), r('b', 7, 7)])).toEqual([])
    // watermark 5: nothing below it yet. Then 11: a 5, 8, 10 and b 7 are released; a 10 and b 7 wait for
    // the row after them (LEAD)
    expect(batch([r('a', 8, 8), r('a', 16, 16)])).toEqual([
      ['a', 5n, 1n, null, 8n, 5n],
      ['a', 8n, 2n, 5n, 10n, 13n],
    ])
    // a 3 is late (behind 11); watermark 25 releases a 16, completing a 10; b 30 is not released yet
    expect(batch([r('a', 3, 3), r('b', 30, 30)])).toEqual([['a', 10n, 3n, 8n, 16n, 23n]])
    expect(op.lateRecords).toBe(1)
    expect(op.watermark).toBe(25n * MS)
    expect(p.finish().flatMap((b) => b.rows.map((x) => x.map(show)))).toEqual([
      ['b', 7n, 1n, null, 30n, 7n],
      ['a', 16n, 4n, 10n, null, 34n],
      ['b', 30n, 2n, 7n, null, 37n],
    ])
  })

  it('stacks windows with different PARTITION BY, the one that looks ahead last, without making rows late', async () => {
    const sql = `SELECT k, x, LEAD(x) OVER (PARTITION BY k ORDER BY ts) AS n, ROW_NUMBER() OVER (ORDER BY ts) AS rn,
        COUNT(*) OVER (PARTITION BY k ORDER BY ts) AS c
      FROM t WITH ('t.uri' = 'memory://t', 't.watermark.delay' = '5ms')`
    const { p, planned } = await pipeline(sql)
    expect(explain(planned)).toMatch(
      /RowWindow OVER \(PARTITION BY k ORDER BY ts\)[^\n]*LEAD\(x\), COUNT\(\*\)[^\n]*\n\s+RowWindow OVER \(ORDER BY ts\)[^\n]*ROW_NUMBER\(\)\n/,
    )
    const input = [r('a', 1, 1), r('b', 3, 3), r('a', 2, 2), r('b', 20, 20), r('a', 40, 40), r('b', 41, 41)]
    const out = [...input.map((row) => p.process({ schema: T_SCHEMA, rows: [row] })), ...p.finish()]
    expect(p.lateRecords).toBe(0)
    expect(out.flatMap((b) => b.rows.map((x) => x.map(show))).sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
      ['a', 1n, 2n, 1n, 1n],
      ['a', 2n, 40n, 2n, 2n],
      ['b', 3n, 20n, 3n, 1n],
      ['b', 20n, 41n, 4n, 2n],
      ['a', 40n, null, 5n, 3n],
      ['b', 41n, null, 6n, 3n],
    ])
  })

  it('holds per partition only the rows the watermark has not released plus what LAG and the frame reach', async () => {
    const { p, op } = await pipeline(SQL)
    for (let i = 0; i < 1000; i++) p.process({ schema: T_SCHEMA, rows: [r(i % 2 === 0 ? 'a' : 'b', i, i)] })
    // delay 5 ms: up to 6 unreleased rows, plus per partition 2 rows of history (and the row about to leave the
    // sliding frame) and 1 waiting for LEAD
    expect(op.size).toBeLessThanOrEqual(6 + 2 * 4)
  })

  it('gives the same output after a checkpoint and a restore mid-stream as without one', async () => {
    const input: Row[] = Array.from({ length: 200 }, (_, i) =>
      r(['a', 'b', null][i % 3]!, i * 3 + ((i * 7) % 23), i % 17 === 0 ? null : i, `${i}.5`),
    )
    const chunks: Row[][] = []
    for (let i = 0; i < input.length; i += 7) chunks.push(input.slice(i, i + 7))
    const sql = SQL.replace('SUM(x)', 'AVG(d)')
    const reference = await pipeline(sql)
    const whole = [
      ...chunks.map((c) => reference.p.process({ schema: T_SCHEMA, rows: c })),
      ...reference.p.finish(),
    ].flatMap((b) => b.rows.map((x) => x.map(show)))
    expect(reference.op.lateRecords).toBeGreaterThan(0)
    for (const cut of [1, 5, 13, chunks.length - 1]) {
      const first = await pipeline(sql)
      const out: Value[][] = []
      for (const c of chunks.slice(0, cut)) out.push(...first.p.process({ schema: T_SCHEMA, rows: c }).rows)
      const state = JSON.parse(JSON.stringify(first.p.snapshot()))
      const second = await pipeline(sql)
      second.p.restore(state)
      for (const c of chunks.slice(cut)) out.push(...second.p.process({ schema: T_SCHEMA, rows: c }).rows)
      for (const b of second.p.finish()) out.push(...b.rows)
      expect(out.map((x) => x.map(show))).toEqual(whole)
      expect(second.op.lateRecords).toBe(reference.op.lateRecords)
    }
  })

  it('restores sorted partitions held until the end of a bounded input', async () => {
    const sql = `SELECT k, x, RANK() OVER (PARTITION BY k ORDER BY x DESC) AS rk, SUM(d) OVER (PARTITION BY k) AS total FROM t ${WITH}`
    const chunks = [
      [r('a', 1, 3, '1.5'), r('b', 2, 1)],
      [r('a', 3, 3, '2'), r('a', 4, 9)],
    ]
    const whole = await run(sql, chunks)
    const first = await pipeline(sql)
    first.p.process({ schema: T_SCHEMA, rows: chunks[0]! })
    const second = await pipeline(sql)
    second.p.restore(JSON.parse(JSON.stringify(first.p.snapshot())))
    second.p.process({ schema: T_SCHEMA, rows: chunks[1]! })
    expect(second.p.finish().flatMap((b) => b.rows.map((x) => x.map(show)))).toEqual(whole)
    expect(whole).toEqual([
      ['a', 9n, 1n, '3.50'],
      ['a', 3n, 2n, '3.50'],
      ['a', 3n, 2n, '3.50'],
      ['b', 1n, 1n, null],
    ])
  })

  it("hands late rows to the bad-record policy with job.late_records = 'dead_letter'", async () => {
    const errors: unknown[] = []
    const sql = `SELECT x, LAG(x) OVER (ORDER BY ts) AS p FROM t WITH ('t.uri' = 'memory://t',
      'job.late_records' = 'dead_letter', 'job.bad_records' = 'dead_letter', 'job.dlq.uri' = 'memory://dlq')`
    const out = await run(sql, [[r('a', 10, 1)], [r('a', 20, 2)], [r('a', 5, 3)]], errors)
    expect(out).toEqual([
      [1n, null],
      [2n, 1n],
    ])
    expect(errors).toHaveLength(1)
    expect(String(errors[0])).toMatch(
      /Late row: its event time 1970-01-01T00:00:00.005000000Z is behind the watermark 1970-01-01T00:00:00.020000000Z/,
    )
  })

  it('hands a row with a NULL event time to the bad-record policy', async () => {
    const errors: unknown[] = []
    const out = await run(SQL, [[[null, null, 1n, null, null] as Row, r('a', 1, 2)]], errors)
    expect(out).toEqual([['a', 2n, 1n, null, null, 2n]])
    expect(String(errors[0])).toMatch(/event time ts is NULL/)
  })
})

describe('OVER: streams', () => {
  it('refuses an unbounded input when the rows must be sorted at the end, saying what to write', async () => {
    const { p } = await pipeline(`SELECT x, ROW_NUMBER() OVER (PARTITION BY k ORDER BY x) AS rn FROM t ${WITH}`)
    expect(() => p.start({ bounded: false, source: 't' })).toThrow(/does not end[\s\S]*/)
    try {
      p.start({ bounded: false, source: 't' })
    } catch (e) {
      expect(String((e as { context: { hint: string } }).context.hint)).toMatch(/ORDER BY an event-time TIMESTAMP/)
    }
    expect(() => p.start({ bounded: true, source: 't' })).not.toThrow()
  })

  it('refuses UNBOUNDED FOLLOWING on an unbounded input, and accepts event-time frames ending at the current row', async () => {
    const wide = await pipeline(
      `SELECT SUM(x) OVER (ORDER BY ts ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS s FROM t ${WITH}`,
    )
    expect(() => wide.p.start({ bounded: false, source: 't' })).toThrow(/UNBOUNDED FOLLOWING/)
    const running = await pipeline(
      `SELECT SUM(x) OVER (ORDER BY ts) AS s, LEAD(x, 3) OVER (ORDER BY ts) FROM t ${WITH}`,
    )
    expect(() => running.p.start({ bounded: false, source: 't' })).not.toThrow()
  })
})

describe('OVER: EXPLAIN', () => {
  it('shows the row window with its order, watermark and each call with its frame', async () => {
    const { planned } = await pipeline(
      `SELECT k, SUM(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS s, LAG(x) OVER (PARTITION BY k ORDER BY ts) AS p
       FROM t WHERE x > 0 WITH ('t.uri' = 'memory://t', 't.watermark.delay' = '2s')`,
    )
    expect(explain(planned)).toBe(
      [
        'Job select_1 (SELECT)',
        '  Output to caller (k STRING, s BIGINT, p BIGINT)',
        '    Project k, SUM(x) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS s, LAG(x) OVER (PARTITION BY k ORDER BY ts) AS p',
        '      RowWindow OVER (PARTITION BY k ORDER BY ts): event time ts, watermark delay 2s, late records drop; SUM(x) [ROWS BETWEEN 3 PRECEDING AND CURRENT ROW], LAG(x)',
        '        Filter x > 0',
        '          Scan t (k STRING, ts TIMESTAMP(3), x BIGINT, d DECIMAL(10, 2), f DOUBLE)',
      ].join('\n'),
    )
  })
})

describe('OVER: errors', () => {
  it.each([
    [
      `SELECT UPPER(k) OVER (ORDER BY ts) FROM t ${WITH}`,
      /UPPER cannot be used with OVER: it is not a window function/,
      /ROW_NUMBER, RANK/,
    ],
    [`SELECT STDDEV(x) OVER (ORDER BY ts) FROM t ${WITH}`, /STDDEV cannot be used with OVER/, /remove OVER/],
    [
      `SELECT NTILE(4) OVER (ORDER BY ts) FROM t ${WITH}`,
      /The window function NTILE is not supported yet/,
      /ROW_NUMBER/,
    ],
    [`SELECT LAG(x) FROM t ${WITH}`, /LAG is a window function and needs OVER/, /LAG\(x\) OVER \(PARTITION BY/],
    [
      `SELECT LAG(x, -1) OVER (ORDER BY ts) FROM t ${WITH}`,
      /offset of LAG must not be negative, but it is -1/,
      /LEAD ahead/,
    ],
    [
      `SELECT LAG(x, x) OVER (ORDER BY ts) FROM t ${WITH}`,
      /offset of LAG must be an integer literal, but found x/,
      /constant/,
    ],
    [
      `SELECT SUM(x) OVER (ORDER BY ts ROWS BETWEEN -2 PRECEDING AND CURRENT ROW) FROM t ${WITH}`,
      /frame start must not be negative/,
      /n PRECEDING for rows before/,
    ],
    [
      `SELECT SUM(x) OVER (ORDER BY ts ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW) FROM t ${WITH}`,
      /cannot start at UNBOUNDED FOLLOWING/,
      /UNBOUNDED PRECEDING/,
    ],
    [
      `SELECT SUM(x) OVER (ORDER BY ts ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM t ${WITH}`,
      /frame starting at CURRENT ROW cannot end at 1 PRECEDING/,
      /earlier bound first/,
    ],
    [
      `SELECT SUM(x) OVER (ORDER BY x RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t ${WITH}`,
      /RANGE with an offset \(2 PRECEDING\) is not supported/,
      /ROWS BETWEEN n PRECEDING AND CURRENT ROW/,
    ],
    [
      `SELECT k FROM t GROUP BY RANK() OVER (ORDER BY x) ${WITH}`,
      /window function RANK is not allowed here/,
      /select list only/,
    ],
    [
      `SELECT k, COUNT(*), RANK() OVER (ORDER BY k) FROM t GROUP BY k ${WITH}`,
      /GROUP BY, WINDOW or aggregates is not supported yet/,
      undefined,
    ],
    [
      `SELECT LAG(LAG(x) OVER (ORDER BY ts)) OVER (ORDER BY ts) FROM t ${WITH}`,
      /LAG is not allowed here/,
      /not inside another/,
    ],
    [
      `SELECT COUNT(DISTINCT x) OVER (ORDER BY ts) FROM t ${WITH}`,
      /DISTINCT is not allowed in the window function COUNT/,
      /GROUP BY/,
    ],
    [
      `SELECT LEAD(x) OVER (PARTITION BY k ORDER BY ts), LEAD(x) OVER (ORDER BY ts) FROM t ${WITH}`,
      /A second event-time window that looks ahead/,
      undefined,
    ],
    [
      `SELECT ROW_NUMBER(x) OVER (ORDER BY ts) FROM t ${WITH}`,
      /ROW_NUMBER takes 0 arguments, but 1 was given/,
      /ROW_NUMBER\(\) OVER/,
    ],
    [
      `SELECT LAG(x, 1, 'none') OVER (ORDER BY ts) FROM t ${WITH}`,
      /default of LAG is STRING, which does not fit BIGINT/,
      /CAST the default/,
    ],
    [
      `SELECT LAG(x) OVER (ORDER BY ts) FROM t WITH ('t.uri' = 'memory://t', 'job.late_records' = 'dead_letter')`,
      /hands late records to the bad-record policy, but job.bad_records is not 'dead_letter'/,
      /job.dlq.uri/,
    ],
    [
      `SELECT LAG(x) OVER (ORDER BY ts) FROM t WITH ('t.uri' = 'memory://t', 'job.late_records' = 'update')`,
      /'update' cannot apply to a window function ordered by event time/,
      /'drop'/,
    ],
  ])('%s', async (sql, message, hint) => {
    const e = await failure(sql)
    expect(e.code).toBe('FERRIS_SQL_SEMANTIC')
    expect(e.message).toMatch(message)
    expect(e.message).toMatch(/\n {2}1 \| /)
    expect(e.context.location).toMatchObject({ line: 1 })
    if (hint !== undefined) expect(String(e.context.hint)).toMatch(hint)
  })
})

describe('OVER: frame syntax', () => {
  it.each([
    [
      'ROWS BETWEEN 1 AND 2',
      /Expected PRECEDING or FOLLOWING but found "AND"/,
      /UNBOUNDED PRECEDING, n PRECEDING, CURRENT ROW/,
    ],
    ['GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW', /GROUPS frames are not supported/, /Write a ROWS frame/],
    ['ROWS UNBOUNDED PRECEDING EXCLUDE CURRENT ROW', /EXCLUDE in a frame is not supported/, /Write a ROWS frame/],
  ])('%s', async (frame, message, hint) => {
    const e = await plan(`SELECT SUM(x) OVER (ORDER BY ts ${frame}) FROM t ${WITH}`, { schemas: { t: T_SCHEMA } }).then(
      () => undefined,
      (error: unknown) => error as { code: string; message: string; context: { hint?: string } },
    )
    expect(e?.code).toBe('FERRIS_SQL_SYNTAX')
    expect(e?.message).toMatch(message)
    expect(e?.message).toMatch(/\n {2}1 \| /)
    expect(String(e?.context.hint)).toMatch(hint)
  })
})
