import { ChangeKind, Decimal, type Row, Schema, T } from '@ferris/core'

/** Rows of a table with a primary key `id`, changed at random: what a CDC source would stream. */
export const ITEMS = Schema.of(
  ['id', T.int64, false],
  ['grp', T.string],
  ['v', T.int64],
  ['d', T.decimal(10, 2)],
  ['f', T.float64],
  ['s', T.string],
)

export interface ChangeLog {
  readonly rows: Row[]
  readonly kinds: number[]
  /** The table after every change, by id. */
  readonly table: Map<bigint, Row>
}

/** A small deterministic pseudo-random generator (mulberry32), so a failing run can be repeated. */
export function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randomRow(id: bigint, next: () => number): Row {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!
  return [
    id,
    pick(['a', 'b', 'c', null]),
    next() < 0.15 ? null : BigInt(Math.floor(next() * 21) - 10),
    next() < 0.15 ? null : new Decimal(BigInt(Math.floor(next() * 2001) - 1000), 2),
    next() < 0.15 ? null : Math.floor(next() * 81) / 4 - 10,
    next() < 0.15 ? null : pick(['x', 'y', 'z', 'w']),
  ]
}

/**
 * `n` changes: inserts of new ids, updates (UPDATE_BEFORE with the old row, UPDATE_AFTER with the new one,
 * which may move the row to another group) and deletes (the whole old row), as PostgreSQL change capture with
 * REPLICA IDENTITY FULL sends them.
 */
export function changes(n: number, seed: number): ChangeLog {
  const next = random(seed)
  const table = new Map<bigint, Row>()
  const rows: Row[] = []
  const kinds: number[] = []
  let id = 0n
  for (let i = 0; i < n; i++) {
    const ids = [...table.keys()]
    const r = next()
    if (ids.length < 3 || r < 0.45) {
      const row = randomRow(++id, next)
      table.set(id, row)
      rows.push(row)
      kinds.push(ChangeKind.INSERT)
    } else if (r < 0.8) {
      const at = ids[Math.floor(next() * ids.length)]!
      const after = randomRow(at, next)
      rows.push(table.get(at)!, after)
      kinds.push(ChangeKind.UPDATE_BEFORE, ChangeKind.UPDATE_AFTER)
      table.set(at, after)
    } else {
      const at = ids[Math.floor(next() * ids.length)]!
      rows.push(table.get(at)!)
      kinds.push(ChangeKind.DELETE)
      table.delete(at)
    }
  }

  return { rows, kinds, table }
}

/** Rows grouped by a column, in a Map keyed by the group value. */
export function groupBy(rows: Iterable<Row>, column: number): Map<unknown, Row[]> {
  const groups = new Map<unknown, Row[]>()
  for (const row of rows) {
    const k = row[column] ?? null
    groups.set(k, [...(groups.get(k) ?? []), row])
  }

  return groups
}
