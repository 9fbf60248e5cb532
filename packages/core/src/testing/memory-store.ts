import type { Position } from '../contracts/position.js'
import type { CommitInfo } from '../contracts/sink.js'
import { FerrisError } from '../errors/ferris-error.js'
import type { RecordMeta } from '../records/batch.js'
import type { Schema } from '../schema/schema.js'
import type { Row } from '../types/value.js'

/** One named in-process table: what a memory source reads, or what a memory sink has committed. */
export interface MemoryTable {
  schema?: Schema
  /** Rows in order. A source reads them; a sink appends (or upserts) committed rows here. */
  readonly rows: Row[]
  /** `meta[i]` belongs to `rows[i]` when a test gives record metadata to a source. */
  readonly meta: (RecordMeta | undefined)[]
  /**
   * The change kind of each row (`ChangeKind`), parallel to `rows`: what an append-mode sink committed, or what
   * a test appended with `kinds`. When not empty, a source reading the table hands the kinds on (a changelog).
   */
  readonly kinds: number[]
  /** False while a following (`follow=true`) source should wait for more rows. */
  ended: boolean
  /** Positions readers committed, in order (source side), for tests of at-least-once behaviour. */
  readonly readCommits: Position[]
  /** Where each reader of this table started: the `from` position, or undefined for the beginning. */
  readonly readerStarts: (Position | undefined)[]
  /** Whether each reader was asked for everything the table holds (`ReaderOptions.fromStart`). */
  readonly readerFromStart: boolean[]
  /** Called before each read with the reader's position; throw from it to simulate a crash mid-stream. */
  beforeRead?: (position: number) => void
  /** Rows written by sink writers but not committed yet (invisible in `rows`). */
  readonly pending: Row[]
  /** Every sink commit, in order; the last one holds the positions the sink stores (exactly-once tests). */
  readonly commits: CommitInfo[]
  /** How many batches sink writers received. */
  writes: number
}

/**
 * Named in-process tables shared by the memory source and sink of one `memoryPlugin()`. Tests put rows in
 * with `set`, run a job, and read the committed output with `rows` or `objects`.
 */
export class MemoryStore {
  readonly #tables = new Map<string, MemoryTable>()

  /**
   * Creates or replaces a table. A table given rows here is ended: a source reads it to the end and stops.
   * `kinds` gives each row's change kind, for a change stream (with a source option `changelog`).
   */
  set(name: string, rows: Row[], schema?: Schema, meta?: (RecordMeta | undefined)[], kinds?: number[]): MemoryTable {
    const table: MemoryTable = {
      rows: [...rows],
      meta: meta === undefined ? [] : [...meta],
      ...emptyParts(),
      ...(kinds === undefined ? {} : { kinds: [...kinds] }),
      ended: true,
    }
    if (schema !== undefined) table.schema = schema
    this.#tables.set(name, table)

    return table
  }

  /** Appends rows, for a following source. `end` marks the table complete; `kinds` as in `set`. */
  append(
    name: string,
    rows: readonly Row[],
    options: { end?: boolean; meta?: (RecordMeta | undefined)[]; kinds?: readonly number[] } = {},
  ): void {
    const table = this.table(name)
    if (options.kinds !== undefined) {
      // Rows appended earlier without kinds were inserts.
      while (table.kinds.length < table.rows.length) table.kinds.push(0)
      table.kinds.push(...rows.map((_, i) => options.kinds![i] ?? 0))
    }
    table.rows.push(...rows)
    if (options.meta !== undefined) {
      table.meta.length = table.rows.length - rows.length
      table.meta.push(...options.meta)
    }
    table.ended = options.end === true
  }

  /** Marks a table complete, so a following source ends once it has read every row. */
  end(name: string): void {
    this.table(name).ended = true
  }

  has(name: string): boolean {
    return this.#tables.has(name)
  }

  /** The table, created empty and open (not ended) when missing. */
  table(name: string): MemoryTable {
    let table = this.#tables.get(name)
    if (table === undefined) {
      table = { rows: [], meta: [], ...emptyParts(), ended: false }
      this.#tables.set(name, table)
    }

    return table
  }

  /** The table, or FERRIS_NOT_FOUND listing the tables there are. */
  get(name: string): MemoryTable {
    const table = this.#tables.get(name)
    if (table !== undefined) return table
    const names = [...this.#tables.keys()].sort()

    throw new FerrisError('FERRIS_NOT_FOUND', `Memory table "${name}" does not exist`, {
      value: name,
      expected: names.length === 0 ? 'a table created with store.set(name, rows)' : `one of ${names.join(', ')}`,
      hint: `Create it in the test with store.set('${name}', rows, schema)`,
    })
  }

  /** The committed rows of a table (empty when it does not exist). */
  rows(name: string): Row[] {
    return this.#tables.get(name)?.rows ?? []
  }

  /** The committed rows as objects keyed by field name; needs the table's schema. */
  objects(name: string): Array<Record<string, unknown>> {
    const table = this.get(name)
    const names = table.schema?.names
    if (names === undefined) {
      throw new FerrisError('FERRIS_SCHEMA_MISMATCH', `Memory table "${name}" has no schema`, {
        hint: 'Give a schema to store.set, or read store.rows(name)',
      })
    }

    return table.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i] ?? null])))
  }

  names(): string[] {
    return [...this.#tables.keys()].sort()
  }

  delete(name: string): void {
    this.#tables.delete(name)
  }

  clear(): void {
    this.#tables.clear()
  }
}

function emptyParts() {
  return { kinds: [], readCommits: [], readerStarts: [], readerFromStart: [], pending: [], commits: [], writes: 0 }
}
