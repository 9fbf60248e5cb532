import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChangeKind, type DataType, Decimal, type Row, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { type ChangeLog, changes, groupBy, ITEMS } from '../support/change-stream.js'
import { setup } from '../support/fixtures.js'

const cwd = () => mkdtempSync(join(tmpdir(), 'ferris-changelog-'))
const U = ChangeKind.UPDATE_AFTER
const D = ChangeKind.DELETE
const I = ChangeKind.INSERT
const B = ChangeKind.UPDATE_BEFORE

const EVERY_AGGREGATE = `
  SELECT grp, COUNT(*) AS n, COUNT(v) AS nv, SUM(v) AS sv, AVG(v) AS av, MIN(v) AS lo, MAX(v) AS hi,
         SUM(d) AS sd, AVG(d) AS ad, MIN(d) AS dlo, MAX(s) AS shi, COUNT(DISTINCT v) AS cdv, SUM(DISTINCT v) AS sdv,
         VAR_POP(v) AS vp, STDDEV_SAMP(d) AS sds, VAR_SAMP(f) AS vf, SUM(f) AS sf, LISTAGG(s, '|') AS la,
         COUNT(*) FILTER (WHERE v > 0) AS pos
  FROM items GROUP BY grp`

function app(query: string, extra = '', source = "'items.changelog' = 'retract'") {
  return `CREATE STREAM out AS ${query}
    WITH ('items.uri' = 'memory://items', ${source}, 'out.uri' = 'memory://out', 'out.mode' = 'upsert' ${extra})`
}

const dec = (v: Decimal | null) => (v === null ? null : v.toString())

/** What an upserting sink must hold for EVERY_AGGREGATE: the GROUP BY of the final table, computed here. */
function expected(log: ChangeLog) {
  return [...groupBy(log.table.values(), 1)].map(([grp, rows]) => {
    const v = rows.map((r) => r[2] as bigint | null).filter((x): x is bigint => x !== null)
    const d = rows.map((r) => r[3] as Decimal | null).filter((x): x is Decimal => x !== null)
    const f = rows.map((r) => r[4] as number | null).filter((x): x is number => x !== null)
    const s = rows.map((r) => r[5] as string | null).filter((x): x is string => x !== null)
    const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n)
    const dsum = d.reduce((a, b) => a.add(b), new Decimal(0n, 2))
    const distinct = [...new Set(v)]
    const ordered = [...v].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const variance = (xs: number[], sample: boolean) =>
      xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - (sample ? 1 : 0))
    return {
      grp,
      n: BigInt(rows.length),
      nv: BigInt(v.length),
      sv: v.length === 0 ? null : sum(v),
      av: v.length === 0 ? null : new Decimal(sum(v), 0).div(new Decimal(BigInt(v.length), 0), 6).toString(),
      lo: v.length === 0 ? null : ordered[0],
      hi: v.length === 0 ? null : ordered.at(-1),
      sd: d.length === 0 ? null : dsum.toString(),
      ad: d.length === 0 ? null : new Decimal(dsum.unscaled, 2).div(new Decimal(BigInt(d.length), 0), 6).toString(),
      dlo: d.length === 0 ? null : d.reduce((a, b) => (b.compare(a) < 0 ? b : a)).toString(),
      shi: s.length === 0 ? null : [...s].sort().at(-1),
      cdv: BigInt(distinct.length),
      sdv: distinct.length === 0 ? null : sum(distinct),
      vp: v.length === 0 ? null : variance(v.map(Number), false),
      sds:
        d.length < 2
          ? null
          : Math.sqrt(
              variance(
                d.map((x) => x.toNumber()),
                true,
              ),
            ),
      vf: f.length < 2 ? null : variance(f, true),
      sf: f.length === 0 ? null : f.reduce((a, b) => a + b, 0),
      la: s.length === 0 ? null : [...s].sort().join('|'),
      pos: BigInt(v.filter((x) => x > 0n).length),
    }
  })
}

/** The sink's rows as the same objects, LISTAGG as a sorted multiset (its order is arrival order). */
function actual(rows: Row[]) {
  return rows.map((r) => ({
    grp: r[0],
    n: r[1],
    nv: r[2],
    sv: r[3],
    av: dec(r[4] as Decimal | null),
    lo: r[5],
    hi: r[6],
    sd: dec(r[7] as Decimal | null),
    ad: dec(r[8] as Decimal | null),
    dlo: dec(r[9] as Decimal | null),
    shi: r[10],
    cdv: r[11],
    sdv: r[12],
    vp: r[13],
    sds: r[14],
    vf: r[15],
    sf: r[16],
    la: r[17] === null ? null : (r[17] as string).split('|').sort().join('|'),
    pos: r[18],
  }))
}

/** Doubles compared to 9 digits (sums of doubles retracted in another order round differently). */
function compare(got: ReturnType<typeof actual>, want: ReturnType<typeof expected>) {
  const byGroup = (xs: Array<{ grp: unknown }>) => [...xs].sort((a, b) => String(a.grp).localeCompare(String(b.grp)))
  const g = byGroup(got) as ReturnType<typeof actual>
  const w = byGroup(want) as ReturnType<typeof expected>
  expect(g.map((x) => x.grp)).toEqual(w.map((x) => x.grp))
  g.forEach((row, i) => {
    const want = w[i]!
    for (const key of ['vp', 'sds', 'vf', 'sf'] as const) {
      if (want[key] === null) expect(row[key], `${key} of ${String(row.grp)}`).toBeNull()
      else expect(row[key] as number, `${key} of ${String(row.grp)}`).toBeCloseTo(want[key], 9)
    }
    const strip = ({ vp: _a, sds: _b, vf: _c, sf: _d, ...rest }: Record<string, unknown>) => rest
    expect(strip(row)).toEqual(strip(want))
  })
}

describe('runApplication: GROUP BY over a change stream', () => {
  it.each([
    [1, 1],
    [7, 2],
    [64, 3],
  ])(
    'leaves an upserting sink holding the GROUP BY of the final table, for every aggregate (batch %i, seed %i)',
    async (batch, seed) => {
      const log = changes(400, seed)
      const { store, registry } = setup()
      store.set('items', log.rows, ITEMS, undefined, log.kinds)
      await runApplication(app(EVERY_AGGREGATE, `, 'items.batch_size' = '${batch}'`), { registry, cwd: cwd() })
      compare(actual(store.rows('out')), expected(log))
    },
  )

  it('sends a DELETE when the last row of a group is retracted, and a fresh row when the group comes back', async () => {
    const { store, registry } = setup()
    const S = Schema.of(['id', T.int64, false], ['grp', T.string], ['v', T.int64])
    const rows = [
      [1n, 'a', 5n],
      [2n, 'b', 7n],
      [1n, 'a', 5n], // delete id 1: group a is empty
      [3n, 'a', 9n], // a comes back
      [2n, 'b', 7n], // update id 2 from b to a: b is empty
      [2n, 'a', 1n],
    ]
    store.set('items', rows, S, undefined, [I, I, D, I, B, U])
    const sql = `CREATE STREAM out AS SELECT grp, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS lo FROM items GROUP BY grp
      WITH ('items.uri' = 'memory://items', 'items.changelog' = 'retract', 'items.batch_size' = '1',
            'out.uri' = 'memory://out')`
    await runApplication(sql, { registry, cwd: cwd() })
    // An append-mode sink keeps every change with its kind.
    const out = store.table('out')
    expect(out.rows.map((r, i) => [out.kinds[i], ...r])).toEqual([
      [U, 'a', 1n, 5n, 5n],
      [U, 'b', 1n, 7n, 7n],
      [D, 'a', 1n, 5n, 5n], // the DELETE carries the group's last row
      [U, 'a', 1n, 9n, 9n],
      [D, 'b', 1n, 7n, 7n],
      [U, 'a', 2n, 10n, 1n],
    ])
  })

  it('keeps the one row of an aggregate without GROUP BY when every row is retracted, as over an empty table', async () => {
    const { store, registry } = setup()
    const S = Schema.of(['id', T.int64, false], ['grp', T.string], ['v', T.int64])
    store.set(
      'items',
      [
        [1n, 'a', 5n],
        [1n, 'a', 5n],
      ],
      S,
      undefined,
      [I, D],
    )
    const sql = `CREATE STREAM out AS SELECT COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi FROM items
      WITH ('items.uri' = 'memory://items', 'items.changelog' = 'retract', 'items.batch_size' = '1',
            'out.uri' = 'memory://out')`
    await runApplication(sql, { registry, cwd: cwd() })
    const out = store.table('out')
    expect(out.rows.map((r, i) => [out.kinds[i], ...r])).toEqual([
      [U, 1n, 5n, 5n],
      [U, 0n, null, null],
    ])
  })

  it('sends nothing for a group that appears and vanishes within one batch', async () => {
    const { store, registry } = setup()
    const S = Schema.of(['id', T.int64, false], ['grp', T.string], ['v', T.int64])
    store.set(
      'items',
      [
        [1n, 'a', 5n],
        [2n, 'b', 1n],
        [1n, 'a', 5n],
      ],
      S,
      undefined,
      [I, I, D],
    )
    const sql = `CREATE STREAM out AS SELECT grp, COUNT(*) AS n FROM items GROUP BY grp
      WITH ('items.uri' = 'memory://items', 'items.changelog' = 'retract', 'out.uri' = 'memory://out')`
    await runApplication(sql, { registry, cwd: cwd() })
    expect(store.rows('out')).toEqual([['b', 1n]])
  })

  it('keeps NULL arguments out of every aggregate when they are retracted, and NULL keys as one group', async () => {
    const { store, registry } = setup()
    const S = Schema.of(['id', T.int64, false], ['grp', T.string], ['v', T.int64])
    store.set(
      'items',
      [
        [1n, null, 4n],
        [2n, null, null],
        [1n, null, 4n],
        [3n, null, null],
      ],
      S,
      undefined,
      [I, I, D, I],
    )
    const sql = `CREATE STREAM out AS SELECT grp, COUNT(*) AS n, COUNT(v) AS nv, SUM(v) AS sv, MIN(v) AS lo,
        FIRST_VALUE(v) AS fv, LISTAGG(CAST(v AS STRING)) AS la, STDDEV_POP(v) AS sd
      FROM items GROUP BY grp
      WITH ('items.uri' = 'memory://items', 'items.changelog' = 'retract', 'out.uri' = 'memory://out',
            'out.mode' = 'upsert')`
    await runApplication(sql, { registry, cwd: cwd() })
    expect(store.rows('out')).toEqual([[null, 2n, 0n, null, null, null, null, null]])
  })

  it('takes back FIRST_VALUE and LAST_VALUE in arrival order, the oldest equal value first', async () => {
    const { store, registry } = setup()
    const S = Schema.of(['id', T.int64, false], ['grp', T.string], ['v', T.string])
    const rows = [
      [1n, 'g', 'p'],
      [2n, 'g', 'q'],
      [3n, 'g', 'r'],
      [3n, 'g', 'r'], // delete the last: LAST_VALUE goes back to q
      [1n, 'g', 'p'], // delete the first: FIRST_VALUE moves on to q
      [4n, 'g', 's'],
    ]
    store.set('items', rows, S, undefined, [I, I, I, D, D, I])
    const sql = `CREATE STREAM out AS SELECT grp, FIRST_VALUE(v) AS fv, LAST_VALUE(v) AS lv, LISTAGG(v) AS la
      FROM items GROUP BY grp
      WITH ('items.uri' = 'memory://items', 'items.changelog' = 'retract', 'items.batch_size' = '1',
            'out.uri' = 'memory://out')`
    await runApplication(sql, { registry, cwd: cwd() })
    expect(store.rows('out')).toEqual([
      ['g', 'p', 'p', 'p'],
      ['g', 'p', 'q', 'p,q'],
      ['g', 'p', 'r', 'p,q,r'],
      ['g', 'p', 'q', 'p,q'],
      ['g', 'q', 'q', 'q'],
      ['g', 'q', 's', 'q,s'],
    ])
  })

  it('passes row kinds through WHERE and computed GROUP BY expressions before the aggregate', async () => {
    const log = changes(300, 11)
    const { store, registry } = setup()
    store.set('items', log.rows, ITEMS, undefined, log.kinds)
    const sql = app(
      `SELECT UPPER(grp) AS g, COUNT(*) AS n, SUM(v * 2) AS s2 FROM items WHERE v IS NOT NULL AND v > -5 GROUP BY UPPER(grp)`,
      ", 'items.batch_size' = '5'",
    )
    await runApplication(sql, { registry, cwd: cwd() })
    const want = [...groupBy(log.table.values(), 1)]
      .map(([grp, rows]) => {
        const v = rows.map((r) => r[2] as bigint | null).filter((x): x is bigint => x !== null && x > -5n)
        return [
          grp === null ? null : (grp as string).toUpperCase(),
          BigInt(v.length),
          v.reduce((a, b) => a + 2n * b, 0n),
        ]
      })
      .filter((r) => r[1] !== 0n)
    const sort = (rows: unknown[][]) => [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])))
    expect(sort(store.rows('out'))).toEqual(sort(want))
  })

  it('detects BIGINT overflow of SUM when adding and when taking back, leaving the group as it was', async () => {
    const { store, registry } = setup()
    const S = Schema.of(['id', T.int64, false], ['grp', T.string], ['v', T.int64])
    const max = 2n ** 63n - 1n
    store.set(
      'items',
      [
        [1n, 'g', max],
        [2n, 'g', 1n], // overflows: skipped, COUNT unchanged
        [3n, 'g', -5n],
        [4n, 'g', 10n], // max - 5 + 10 overflows: skipped
        [3n, 'g', -5n], // back to max
      ],
      S,
      undefined,
      [I, I, I, I, D],
    )
    const sql = `CREATE STREAM out AS SELECT grp, COUNT(*) AS n, SUM(v) AS s FROM items GROUP BY grp
      WITH ('items.uri' = 'memory://items', 'items.changelog' = 'retract', 'out.uri' = 'memory://out',
            'out.mode' = 'upsert', 'job.bad_records' = 'skip')`
    const result = await runApplication(sql, { registry, cwd: cwd() })
    expect(store.rows('out')).toEqual([['g', 1n, max]])
    expect(result.jobs[0]!.sources.items!.bad).toBe(2)

    // Taking back a negative value can overflow too.
    const { store: s2, registry: r2 } = setup()
    s2.set(
      'items',
      [
        [1n, 'g', max - 1n],
        [2n, 'g', -10n],
        [3n, 'g', 5n],
        [2n, 'g', -10n],
      ],
      S,
      undefined,
      [I, I, I, D],
    )
    await expect(runApplication(sql.replace("'skip'", "'fail'"), { registry: r2, cwd: cwd() })).rejects.toThrow(
      /SUM overflows BIGINT after taking back -10/,
    )
  })

  it('fails clearly on a retraction of a row the group never held, or skips it with its count', async () => {
    const S = Schema.of(['id', T.int64, false], ['grp', T.string], ['v', T.int64])
    const rows = [
      [1n, 'g', 5n],
      [9n, 'h', 1n], // a group that does not exist
      [8n, 'g', 6n], // a value MIN never saw
      [2n, 'g', 7n],
    ]
    const kinds = [I, D, D, I]
    const sql = (
      policy: string,
    ) => `CREATE STREAM out AS SELECT grp, COUNT(*) AS n, MIN(v) AS lo FROM items GROUP BY grp
      WITH ('items.uri' = 'memory://items', 'items.changelog' = 'retract', 'out.uri' = 'memory://out',
            'out.mode' = 'upsert', 'job.bad_records' = '${policy}')`
    const failing = setup()
    failing.store.set('items', rows, S, undefined, kinds)
    await expect(runApplication(sql('fail'), { registry: failing.registry, cwd: cwd() })).rejects.toThrow(
      /A DELETE row retracts a row of the group \(h\), which holds no rows/,
    )
    const skipping = setup()
    skipping.store.set('items', rows, S, undefined, kinds)
    const result = await runApplication(sql('skip'), { registry: skipping.registry, cwd: cwd() })
    expect(result.jobs[0]!.sources.items!.bad).toBe(2)
    // The bad retraction changed nothing: not COUNT (applied before MIN failed), not MIN.
    expect(skipping.store.rows('out')).toEqual([['g', 2n, 5n]])
  })

  it('aggregates an upsert changelog (a compacted topic) by keeping the last row of each message key', async () => {
    const { store, registry } = setup()
    const S = Schema.of(['grp', T.string], ['v', T.int64])
    // Kafka with changelog=true: every message an UPDATE_AFTER of its key, a tombstone a DELETE with NULLs.
    const rows = [
      ['a', 5n], // k1 new
      ['a', 7n], // k2 new
      ['b', 1n], // k1 replaced: moves from a to b
      [null, null], // tombstone of k2
      [null, null], // tombstone of a key never seen: nothing
      ['b', 4n], // k2 again
      ['b', 4n], // k2 the same again
    ]
    const keys = ['k1', 'k2', 'k1', 'k2', 'k9', 'k2', 'k2']
    store.set(
      'items',
      rows,
      S,
      keys.map((key) => ({ key })),
      [U, U, U, D, D, U, U],
    )
    const sql = `CREATE STREAM out AS SELECT grp, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi FROM items
      WHERE v > 0 GROUP BY grp
      WITH ('items.uri' = 'memory://items', 'items.changelog' = 'upsert', 'items.batch_size' = '2',
            'out.uri' = 'memory://out')`
    const dir = cwd()
    await runApplication(sql, { registry, cwd: dir })
    const out = store.table('out')
    expect(out.rows.map((r, i) => [out.kinds[i], ...r])).toEqual([
      [U, 'a', 2n, 12n, 7n],
      [D, 'a', 1n, 7n, 7n], // k1 left a, then k2's tombstone emptied it
      [U, 'b', 1n, 1n, 1n],
      [U, 'b', 2n, 5n, 4n],
      [U, 'b', 2n, 5n, 4n],
    ])
  })

  it('restores the rows an upsert changelog holds per key from a checkpoint', async () => {
    const { store, registry } = setup()
    const S = Schema.of(['grp', T.string], ['v', T.int64])
    const items = store.set(
      'items',
      [
        ['a', 5n],
        ['a', 7n],
        ['b', 1n],
        [null, null],
      ],
      S,
      ['k1', 'k2', 'k1', 'k2'].map((key) => ({ key })),
      [U, U, U, D],
    )
    let crashed = false
    items.beforeRead = (pos) => {
      if (pos === 2 && !crashed) {
        crashed = true
        throw new Error('simulated crash')
      }
    }
    const sql = `CREATE STREAM out AS SELECT grp, COUNT(*) AS n, SUM(v) AS s FROM items GROUP BY grp
      WITH ('items.uri' = 'memory://items', 'items.changelog' = 'upsert', 'items.batch_size' = '1',
            'out.uri' = 'memory://out', 'out.mode' = 'upsert')`
    const dir = cwd()
    await expect(runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })).rejects.toThrow(/crash/)
    await runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })
    expect(store.rows('out')).toEqual([['b', 1n, 1n]])
  })

  it('restores retractable state from a checkpoint and ends with the same rows as a run without a crash', async () => {
    const log = changes(500, 5)
    const { store, registry } = setup()
    const items = store.set('items', log.rows, ITEMS, undefined, log.kinds)
    const dir = cwd()
    let crashed = false
    items.beforeRead = (pos) => {
      if (pos >= 300 && !crashed) {
        crashed = true
        throw new Error('simulated crash')
      }
    }
    const sql = app(EVERY_AGGREGATE, ", 'items.batch_size' = '25'")
    await expect(runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })).rejects.toThrow(/crash/)
    await runApplication(sql, { registry, cwd: dir, checkpointIntervalMs: 0 })
    expect(items.readerStarts).toEqual([undefined, 300])
    compare(actual(store.rows('out')), expected(log))
  })

  it('takes rows back out of tumbling windows and deletes a window whose last row left', async () => {
    const { store, registry } = setup()
    const S = Schema.of(['id', T.int64, false], ['grp', T.string], ['v', T.int64], ['ts', T.timestamp('ms')])
    const t = (s: number) => BigInt(s) * 1_000_000_000n
    store.set(
      'items',
      [
        [1n, 'g', 5n, t(1)],
        [2n, 'g', 7n, t(2)],
        [3n, 'g', 9n, t(61)],
        [1n, 'g', 5n, t(1)], // update id 1: 5 → 6, same window
        [1n, 'g', 6n, t(1)],
        [3n, 'g', 9n, t(61)], // delete the only row of the second window
      ],
      S,
      undefined,
      [I, I, I, B, U, D],
    )
    const sql = `CREATE STREAM out AS SELECT grp, window_start, window_end, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi FROM items
      GROUP BY grp WINDOW TUMBLING(ts, INTERVAL '1' MINUTE) EMIT CHANGES
      WITH ('items.uri' = 'memory://items', 'items.changelog' = 'retract', 'items.batch_size' = '1',
            'items.watermark.delay' = '5m', 'out.uri' = 'memory://out')`
    await runApplication(sql, { registry, cwd: cwd() })
    const out = store.table('out')
    const m = (s: number) => t(s * 60)
    expect(out.rows.map((r, i) => [out.kinds[i], ...r])).toEqual([
      [U, 'g', m(0), m(1), 1n, 5n, 5n],
      [U, 'g', m(0), m(1), 2n, 12n, 7n],
      [U, 'g', m(1), m(2), 1n, 9n, 9n],
      [U, 'g', m(0), m(1), 1n, 7n, 7n],
      [U, 'g', m(0), m(1), 2n, 13n, 7n],
      [D, 'g', m(1), m(2), 1n, 9n, 9n],
    ])
  })

  it('restores retractable window state from a checkpoint and ends like a run without a crash', async () => {
    const log = changes(400, 9)
    const S = Schema.of(...ITEMS.fields.map((f): [string, DataType, boolean] => [f.name, f.type, f.nullable]), [
      'ts',
      T.timestamp('ms'),
    ])
    // Event time from the id: an update keeps its row in the same window, as a CDC stream of a table would.
    const rows = log.rows.map((r) => [...r, ((r[0] as bigint) % 50n) * 10_000_000_000n])
    const sql = `CREATE STREAM out AS SELECT grp, window_start, COUNT(*) AS n, SUM(v) AS s, MIN(v) AS lo,
        MAX(d) AS hi, COUNT(DISTINCT s) AS ns, LAST_VALUE(s) AS ls FROM items
      GROUP BY grp WINDOW TUMBLING(ts, INTERVAL '2' MINUTE) EMIT CHANGES
      WITH ('items.uri' = 'memory://items', 'items.changelog' = 'retract', 'items.batch_size' = '20',
            'items.watermark.delay' = '1h', 'out.uri' = 'memory://out', 'out.mode' = 'upsert')`
    const straight = setup()
    straight.store.set('items', rows, S, undefined, log.kinds)
    await runApplication(sql, { registry: straight.registry, cwd: cwd() })

    const crashing = setup()
    const items = crashing.store.set('items', rows, S, undefined, log.kinds)
    let crashed = false
    items.beforeRead = (pos) => {
      if (pos >= 200 && !crashed) {
        crashed = true
        throw new Error('simulated crash')
      }
    }
    const dir = cwd()
    await expect(
      runApplication(sql, { registry: crashing.registry, cwd: dir, checkpointIntervalMs: 0 }),
    ).rejects.toThrow(/crash/)
    await runApplication(sql, { registry: crashing.registry, cwd: dir, checkpointIntervalMs: 0 })
    const sort = (xs: Row[]) => [...xs].sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`))
    expect(sort(crashing.store.rows('out'))).toEqual(sort(straight.store.rows('out')))
    // And it is the windowed GROUP BY of the final table.
    const want = new Map<string, number>()
    for (const r of log.table.values()) {
      const k = `${r[1]}|${(((r[0] as bigint) % 50n) * 10_000_000_000n) / 120_000_000_000n}`
      want.set(k, (want.get(k) ?? 0) + 1)
    }
    const got = new Map(
      straight.store.rows('out').map((r) => [`${r[0]}|${(r[1] as bigint) / 120_000_000_000n}`, Number(r[2])]),
    )
    expect(got).toEqual(want)
  })

  it('leaves no empty window behind when the first row of a window fails (skipped BIGINT overflow)', async () => {
    const { store, registry } = setup()
    const S = Schema.of(['id', T.int64, false], ['grp', T.string], ['v', T.int64], ['ts', T.timestamp('ms')])
    const max = 2n ** 63n - 1n
    store.set('items', [
      [1n, 'g', max, 0n],
      [2n, 'g', 1n, 60_000_000_000n], // overflows the SUM of the window at 0; the one at 1 minute is new
      [3n, 'g', 1n, 185_000_000_000n],
    ])
    store.table('items').schema = S
    const sql = `CREATE STREAM out AS SELECT grp, window_start, COUNT(*) AS n, SUM(v) AS s FROM items
      GROUP BY grp WINDOW SLIDING(ts, INTERVAL '2' MINUTE, INTERVAL '1' MINUTE)
      WITH ('items.uri' = 'memory://items', 'out.uri' = 'memory://out', 'job.bad_records' = 'skip')`
    const result = await runApplication(sql, { registry, cwd: cwd() })
    expect(result.jobs[0]!.sources.items!.bad).toBe(1)
    // Windows starting at -1 and 0 minutes hold id 1 alone, 2 and 3 minutes id 3; none is left at 1 minute.
    const m = (x: number) => BigInt(x) * 60_000_000_000n
    expect(store.rows('out')).toEqual([
      ['g', m(-1), 1n, max],
      ['g', m(0), 1n, max],
      ['g', m(2), 1n, 1n],
      ['g', m(3), 1n, 1n],
    ])
  })

  it('refuses retractions in SESSION windows with a clear error', async () => {
    const { store, registry } = setup()
    const S = Schema.of(['id', T.int64, false], ['grp', T.string], ['ts', T.timestamp('ms')])
    store.set(
      'items',
      [
        [1n, 'g', 1_000_000_000n],
        [1n, 'g', 1_000_000_000n],
      ],
      S,
      undefined,
      [I, D],
    )
    const sql = `CREATE STREAM out AS SELECT grp, COUNT(*) AS n FROM items GROUP BY grp WINDOW SESSION(ts, 30s)
      WITH ('items.uri' = 'memory://items', 'items.changelog' = 'retract', 'out.uri' = 'memory://out')`
    await expect(runApplication(sql, { registry, cwd: cwd() })).rejects.toThrow(
      /SESSION windows do not take retractions/,
    )
  })
})
