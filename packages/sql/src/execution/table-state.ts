import { ChangeKind, FerrisError, type JsonValue, type RecordBatch, type Row, type Value } from '@ferris/core'
import type { TableInput } from '../planner/logical-plan.js'
import { decodeValue, encodeValue, hashKey } from './value-codec.js'

/** What reads a table's rows (a join's index, a subquery's groups): told of every row added and removed. */
export interface TableListener {
  insert(row: Row): void
  remove(row: Row): void
}

/**
 * The rows of one table of a job, in memory: one entry per live key (or per row, for a table without a key,
 * which only grows). INSERT and UPDATE_AFTER rows replace the row with their key, DELETE rows remove it,
 * UPDATE_BEFORE rows are skipped (their UPDATE_AFTER follows). Listeners keep their own indexes current.
 */
export class TableState {
  readonly input: TableInput
  readonly #rows = new Map<unknown, Row>()
  readonly #listeners: TableListener[] = []
  #next = 0

  constructor(input: TableInput) {
    this.input = input
  }

  /** Rows held: the table's memory bound is one entry per live key. */
  get size(): number {
    return this.#rows.size
  }

  listen(listener: TableListener): void {
    this.#listeners.push(listener)
    for (const row of this.#rows.values()) listener.insert(row)
  }

  apply(batch: Pick<RecordBatch, 'rows' | 'kinds'>): void {
    const { rows, kinds } = batch
    const key = this.input.key
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!
      const kind = kinds?.[i] ?? ChangeKind.INSERT
      if (kind === ChangeKind.UPDATE_BEFORE) continue
      if (key === undefined) {
        if (kind !== ChangeKind.INSERT && kind !== ChangeKind.UPDATE_AFTER) {
          throw new FerrisError(
            'FERRIS_UNSUPPORTED',
            `Table ${this.input.name} received a delete, but has no key to find the row it removes`,
            {
              subject: this.input.name,
              hint: `Declare its key: CREATE TABLE ${this.input.name} (id BIGINT PRIMARY KEY, ...) WITH (...)`,
            },
          )
        }
        this.#add(this.#next++, row)
        continue
      }
      const k = keyOf(row, key)
      const old = this.#rows.get(k)
      if (old !== undefined) {
        this.#rows.delete(k)
        for (const l of this.#listeners) l.remove(old)
      }
      if (kind !== ChangeKind.DELETE) this.#add(k, row)
    }
  }

  #add(k: unknown, row: Row): void {
    this.#rows.set(k, row)
    for (const l of this.#listeners) l.insert(row)
  }

  /** Every live row, exact (checkpoints of tables kept current by their changes). */
  snapshot(): JsonValue {
    return { rows: [...this.#rows.values()].map((r) => r.map((v) => encodeValue(v ?? null))) }
  }

  restore(state: JsonValue): void {
    const rows = (state as { rows?: JsonValue[][] } | null)?.rows ?? []
    this.apply({ rows: rows.map((r) => r.map((v) => decodeValue(v))) })
  }
}

/** INT and BIGINT key parts compare by value; a multi-column key is its parts' keys joined. */
export function keyOf(row: Row, columns: readonly number[]): unknown {
  if (columns.length === 1) return hashKey(normalize(row[columns[0]!] ?? null))
  const parts: string[] = []
  for (const c of columns) parts.push(String(hashKey(normalize(row[c] ?? null))))

  return parts.join('\u0000')
}

function normalize(v: Value): Value {
  return typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v
}
