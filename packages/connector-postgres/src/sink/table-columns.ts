import type pg from 'pg'

export interface TableColumn {
  readonly name: string
  /** `format_type` of the column: `numeric(10,2)`, `timestamp with time zone`, `integer[]`. */
  readonly type: string
  readonly notNull: boolean
  readonly hasDefault: boolean
}

/** The columns of a table in order, or undefined when the table does not exist. Names are compared exactly. */
export async function tableColumns(
  client: pg.Client,
  schema: string,
  table: string,
): Promise<TableColumn[] | undefined> {
  const found = await client.query<{ oid: string }>(
    `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'f', 'm')`,
    [schema, table],
  )
  const oid = found.rows[0]?.oid
  if (oid === undefined) return undefined
  const cols = await client.query<{ name: string; type: string; not_null: string; has_default: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attnotnull AS not_null, atthasdef AS has_default
       FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [oid],
  )

  return cols.rows.map((r) => ({
    name: r.name,
    type: r.type,
    notNull: r.not_null === 't',
    hasDefault: r.has_default === 't',
  }))
}
