import { type ExactJson, FerrisError, JsonNumber } from '@ferris/core'
import { classifyError } from './classify-error.js'
import type { ClickhouseConnection } from './client/connection.js'
import { quoteString } from './sql/quote.js'
import { type ClickhouseType, parseClickhouseType } from './types/clickhouse-type.js'

export interface ColumnInfo {
  readonly name: string
  readonly type: ClickhouseType
}

export interface TableInfo {
  readonly engine: string
  readonly engineFull: string
  readonly columns: readonly ColumnInfo[]
}

/** Reads a table's engine and columns from the system tables; undefined when the table does not exist. */
export async function readTableInfo(
  connection: ClickhouseConnection,
  database: string,
  table: string,
): Promise<TableInfo | undefined> {
  const where = `database = ${quoteString(database)} AND ${'`table`'} = ${quoteString(table)}`
  let tables: Array<Record<string, ExactJson>>
  let columns: Array<Record<string, ExactJson>>
  try {
    tables = await connection.rows(
      `SELECT engine, engine_full FROM system.tables WHERE database = ${quoteString(database)} AND name = ${quoteString(table)}`,
    )
    if (tables.length === 0) return undefined
    columns = await connection.rows(`SELECT name, type FROM system.columns WHERE ${where}`)
  } catch (error) {
    throw classifyError(error, `reading the columns of ${database}.${table}`, `${database}.${table}`)
  }
  const text = (v: ExactJson | undefined) => (v instanceof JsonNumber ? v.text : typeof v === 'string' ? v : '')
  if (columns.length === 0) {
    throw new FerrisError('FERRIS_NOT_FOUND', `ClickHouse lists no columns for ${database}.${table}`, {
      subject: `${database}.${table}`,
    })
  }

  return {
    engine: text(tables[0]!.engine),
    engineFull: text(tables[0]!.engine_full),
    columns: columns.map((c) => ({ name: text(c.name), type: parseClickhouseType(text(c.type)) })),
  }
}
