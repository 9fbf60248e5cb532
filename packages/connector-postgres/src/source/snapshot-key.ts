import type pg from 'pg'
import { quoteIdent, quoteLiteral } from '../sql/identifiers.js'

/** How one key column is compared: as a 64-bit integer, or by bytes (text under COLLATE "C", uuid). */
type KeyKind = 'int' | 'bytes'

/** PostgreSQL type OIDs whose order the connector reproduces exactly in JavaScript. */
const KEY_TYPES = new Map<number, { kind: KeyKind; cast: string }>([
  [21, { kind: 'int', cast: 'int2' }],
  [23, { kind: 'int', cast: 'int4' }],
  [20, { kind: 'int', cast: 'int8' }],
  [25, { kind: 'bytes', cast: 'text' }],
  [1043, { kind: 'bytes', cast: 'text' }],
  [2950, { kind: 'bytes', cast: 'uuid' }],
])

export interface KeyColumn {
  readonly name: string
  readonly kind: KeyKind
  readonly cast: string
}

/**
 * The primary key a change-capture snapshot is read in order of, so a restart can continue after the last
 * key handed over. Text keys are ordered under `COLLATE "C"` (byte order of UTF-8), which JavaScript compares
 * exactly with `Buffer.compare`; integers compare as bigints and uuids as their lower-case text. Keys of other
 * types (numeric, dates, other collations) cannot be compared here exactly the way the server orders them,
 * so such tables are read unordered and a restart reads their snapshot again.
 */
export class SnapshotKey {
  readonly columns: readonly KeyColumn[]

  private constructor(columns: KeyColumn[]) {
    this.columns = columns
  }

  /** The table's primary key when every column of it has a supported type; undefined otherwise. */
  static async find(client: pg.Client, schema: string, table: string): Promise<SnapshotKey | undefined> {
    const result = await client.query<{ name: string; oid: number }>(
      `SELECT a.attname AS name, a.atttypid::int AS oid
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary
        ORDER BY k.ord`,
      [schema, table],
    )
    if (result.rows.length === 0) return undefined
    const columns: KeyColumn[] = []
    for (const r of result.rows) {
      const type = KEY_TYPES.get(Number(r.oid))
      if (type === undefined) return undefined
      columns.push({ name: r.name, ...type })
    }

    return new SnapshotKey(columns)
  }

  /** `ORDER BY` for the snapshot cursor, matching `compare`. */
  orderBy(): string {
    return this.columns.map((c) => this.#expr(c)).join(', ')
  }

  /** A condition selecting the rows whose key comes after `after` (key texts in column order). */
  after(after: readonly string[]): string {
    const left = this.columns.map((c) => this.#expr(c)).join(', ')
    const right = this.columns
      .map((c, i) => {
        const literal = `${quoteLiteral(after[i]!)}::${c.cast}`
        return c.cast === 'text' ? `${literal} COLLATE "C"` : literal
      })
      .join(', ')

    return `ROW(${left}) > ROW(${right})`
  }

  /** Negative, zero or positive as key `a` sorts before, with or after `b` in the server's `ORDER BY`. */
  compare(a: readonly string[], b: readonly string[]): number {
    for (let i = 0; i < this.columns.length; i++) {
      const x = a[i]!
      const y = b[i]!
      let d: number
      if (this.columns[i]!.kind === 'int') {
        const bx = BigInt(x)
        const by = BigInt(y)
        d = bx < by ? -1 : bx > by ? 1 : 0
      } else {
        d = Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'))
      }
      if (d !== 0) return d
    }

    return 0
  }

  /** Where each key column sits among `names`, or undefined when one is missing. */
  indexesIn(names: readonly string[]): number[] | undefined {
    const indexes = this.columns.map((c) => names.indexOf(c.name))

    return indexes.includes(-1) ? undefined : indexes
  }

  #expr(c: KeyColumn): string {
    return c.cast === 'text' ? `${quoteIdent(c.name)} COLLATE "C"` : quoteIdent(c.name)
  }
}
