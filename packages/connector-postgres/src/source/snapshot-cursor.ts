import type pg from 'pg'
import { rawTypes } from '../sql/connect.js'
import type { SourceColumn } from './row-converter.js'

/**
 * A server-side cursor inside the caller's transaction: `FETCH FORWARD n` at a time, so only one batch of
 * the result is ever in memory, whatever the table's size.
 */
export class SnapshotCursor {
  readonly #client: pg.Client
  readonly #name: string
  #columns: SourceColumn[] | undefined
  #done = false

  private constructor(client: pg.Client, name: string) {
    this.#client = client
    this.#name = name
  }

  /** Declares the cursor for `sql` (a SELECT); the transaction must already be open. */
  static async declare(client: pg.Client, name: string, sql: string): Promise<SnapshotCursor> {
    await client.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`)

    return new SnapshotCursor(client, name)
  }

  get done(): boolean {
    return this.#done
  }

  /** Columns of the result, known after the first fetch. */
  get columns(): SourceColumn[] | undefined {
    return this.#columns
  }

  async fetch(count: number): Promise<Array<Array<string | null>>> {
    if (this.#done) return []
    const result = await this.#client.query<Array<string | null>>({
      text: `FETCH FORWARD ${Math.max(1, Math.floor(count))} FROM ${this.#name}`,
      rowMode: 'array',
      types: rawTypes,
    })
    this.#columns ??= result.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID, typmod: f.dataTypeModifier }))
    if (result.rows.length < count) this.#done = true

    return result.rows
  }
}
