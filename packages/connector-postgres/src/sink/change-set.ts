import { ChangeKind } from '@ferris/core'

/** One encoded row waiting to be written, with where it came from for bad-record reports. */
export interface PendingRow {
  readonly params: Array<string | null>
  readonly kind: ChangeKind
  readonly values: readonly unknown[]
}

export interface Collapsed {
  readonly upserts: PendingRow[]
  readonly deletes: PendingRow[]
}

/**
 * Reduces a run of keyed changes to the last one per key. An upsert replaces the whole row and a delete
 * removes it, so the state after applying the run in order is fully given by each key's last change; applying
 * deletes then upserts, in any order between keys, ends in that state. It also keeps one multi-row
 * `INSERT ... ON CONFLICT DO UPDATE` from touching a key twice, which PostgreSQL refuses. UPDATE_BEFORE rows
 * carry the old values and are dropped: the matching UPDATE_AFTER replaces the row.
 */
export function collapseByKey(rows: readonly PendingRow[], keyIndexes: readonly number[]): Collapsed {
  const last = new Map<string, PendingRow>()
  for (const row of rows) {
    if (row.kind === ChangeKind.UPDATE_BEFORE) continue
    let id = ''
    for (const i of keyIndexes) id += `${row.params[i] === null ? '\u0001' : row.params[i]}\u0000`
    // Delete and re-insert the key so that the Map's order stays the order of last changes.
    last.delete(id)
    last.set(id, row)
  }
  const upserts: PendingRow[] = []
  const deletes: PendingRow[] = []
  for (const row of last.values()) (row.kind === ChangeKind.DELETE ? deletes : upserts).push(row)

  return { upserts, deletes }
}
