import { quoteIdent } from '../sql/identifiers.js'

/** PostgreSQL's limit on bind parameters in one statement (a 16-bit count). */
export const MAX_PARAMS = 65_535

/** Rows per statement so that rows × columns stays within MAX_PARAMS. */
export function rowsPerStatement(batchSize: number, width: number): number {
  return Math.max(1, Math.min(batchSize, Math.floor(MAX_PARAMS / Math.max(1, width))))
}

function placeholders(rows: number, width: number): string {
  const out: string[] = new Array(rows)
  let p = 1
  for (let r = 0; r < rows; r++) {
    const cells: string[] = new Array(width)
    for (let c = 0; c < width; c++) cells[c] = `$${p++}`
    out[r] = `(${cells.join(',')})`
  }

  return out.join(',')
}

/**
 * Builds and caches the statements of one table and column list. Statement text depends only on the row
 * count, so the cache holds at most one full-size and a few tail-size texts per kind.
 */
export class Statements {
  readonly #table: string
  readonly #columns: string
  readonly #width: number
  readonly #conflict: string
  readonly #keyTuple: string
  readonly #keyWidth: number
  readonly #cache = new Map<string, string>()

  /** `table` is already quoted; `columns` and `key` are raw names. */
  constructor(table: string, columns: readonly string[], key: readonly string[]) {
    this.#table = table
    this.#width = columns.length
    this.#columns = columns.map(quoteIdent).join(',')
    const keySet = new Set(key)
    const updates = columns.filter((c) => !keySet.has(c)).map((c) => `${quoteIdent(c)}=EXCLUDED.${quoteIdent(c)}`)
    const keyList = key.map(quoteIdent).join(',')
    this.#conflict =
      key.length === 0
        ? ''
        : updates.length === 0
          ? ` ON CONFLICT (${keyList}) DO NOTHING`
          : ` ON CONFLICT (${keyList}) DO UPDATE SET ${updates.join(',')}`
    this.#keyTuple = key.length === 1 ? keyList : `(${keyList})`
    this.#keyWidth = key.length
  }

  /** `INSERT ... VALUES (...),(...)`, with `ON CONFLICT (key) DO UPDATE` when the sink has a key. */
  insert(rows: number): string {
    const k = `i${rows}`
    let text = this.#cache.get(k)
    if (text === undefined) {
      text = `INSERT INTO ${this.#table} (${this.#columns}) VALUES ${placeholders(rows, this.#width)}${this.#conflict}`
      this.#cache.set(k, text)
    }

    return text
  }

  /** `COPY table (columns) FROM STDIN`, for appends. */
  copy(): string {
    return `COPY ${this.#table} (${this.#columns}) FROM STDIN`
  }

  /** `DELETE ... WHERE key IN (...)` for `rows` keys. */
  delete(rows: number): string {
    const k = `d${rows}`
    let text = this.#cache.get(k)
    if (text === undefined) {
      const list =
        this.#keyWidth === 1 ? placeholders(rows, 1).replaceAll(/[()]/g, '') : placeholders(rows, this.#keyWidth)
      text = `DELETE FROM ${this.#table} WHERE ${this.#keyTuple} IN (${list})`
      this.#cache.set(k, text)
    }

    return text
  }
}
