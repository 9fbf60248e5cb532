import { type ExactJson, parseExactJson } from '@ferris/core'
import type { ClickhouseConnection, Settings } from '../../src/client/connection.js'

export interface RecordedInsert {
  readonly sql: string
  readonly body: string
  readonly settings: Settings
}

/**
 * A stand-in for the server: answers `SELECT version()` and the system-table lookups from what it was given,
 * records every INSERT, and fails the calls a test asks it to fail.
 */
export class FakeConnection implements ClickhouseConnection {
  readonly inserts: RecordedInsert[] = []
  readonly commands: string[] = []
  insertAttempts = 0
  /** Return an error to fail this INSERT attempt. */
  failInsert: ((body: string, attempt: number) => unknown) | undefined
  /** Every call fails with this, when set: the client that always fails. */
  failAll: unknown

  readonly version: string
  readonly table: { engine: string; engineFull: string; columns: Array<[string, string]> } | undefined

  constructor(
    version = '26.9.2.1',
    table: { engine: string; engineFull: string; columns: Array<[string, string]> } | undefined = undefined,
  ) {
    this.version = version
    this.table = table
  }

  async command(sql: string): Promise<void> {
    if (this.failAll !== undefined) throw this.failAll
    this.commands.push(sql)
  }

  async rows(sql: string): Promise<Array<Record<string, ExactJson>>> {
    if (this.failAll !== undefined) throw this.failAll
    if (sql.startsWith('SELECT version()')) return [{ v: this.version }]
    if (this.table === undefined) return []
    if (sql.includes('system.tables')) return [{ engine: this.table.engine, engine_full: this.table.engineFull }]
    if (sql.includes('system.columns')) return this.table.columns.map(([name, type]) => ({ name, type }))
    throw new Error(`FakeConnection does not answer ${sql}`)
  }

  async insert(sql: string, body: string, settings: Settings, _queryId: string): Promise<void> {
    if (this.failAll !== undefined) throw this.failAll
    const attempt = this.insertAttempts++
    const error = this.failInsert?.(body, attempt)
    if (error !== undefined) throw error
    this.inserts.push({ sql, body, settings })
  }

  async *stream(): AsyncIterable<readonly string[]> {
    if (this.failAll !== undefined) throw this.failAll
    yield []
  }

  async close(): Promise<void> {}

  /** Every row inserted so far, parsed. */
  insertedRows(): Array<Record<string, ExactJson>> {
    return this.inserts.flatMap((i) =>
      i.body
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => parseExactJson(l) as Record<string, ExactJson>),
    )
  }
}

/** An error as Node reports a refused connection. */
export function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:18123'), { code: 'ECONNREFUSED' })
}

/** An error as 18.16 reports one: no (TYPE) suffix, so @clickhouse/client leaves it a plain Error. */
export function oldServerError(code: number, text: string): Error {
  return new Error(`Code: ${code}, e.displayText() = DB::Exception: ${text}, e.what() = DB::Exception\n`)
}
