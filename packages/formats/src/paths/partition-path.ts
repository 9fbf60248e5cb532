import { FerrisError, formatValue, type Row, type Schema, type Value } from '@ferris/core'

/** Hive's name for a NULL partition value, which readers such as Spark, DuckDB and Trino understand. */
export const NULL_PARTITION = '__HIVE_DEFAULT_PARTITION__'

/** Finds the partition columns in the schema; throws FERRIS_SCHEMA_MISMATCH naming a missing one. */
export function partitionIndexes(schema: Schema, columns: readonly string[], subject: string): number[] {
  return columns.map((c) => {
    const i = schema.indexOf(c)
    if (i < 0) {
      throw new FerrisError('FERRIS_SCHEMA_MISMATCH', `Partition column "${c}" is not in the output of ${subject}`, {
        subject: `${subject}.partition_by`,
        value: c,
        expected: `one of ${schema.names.join(', ')}`,
      })
    }
    return i
  })
}

/**
 * The relative directory or key prefix of a row, without a trailing slash: `dt=2024-01-01/region=eu`.
 * Values use their SQL text; characters Hive escapes (and `%`, `=`, `/`) are percent-encoded. Every
 * segment is `name=value`, so none is ever `.` or `..`.
 */
export function partitionPath(schema: Schema, indexes: readonly number[], row: readonly Value[]): string {
  let out = ''
  for (const i of indexes) {
    const field = schema.fields[i]!
    const v = row[i] ?? null
    const text = v === null ? NULL_PARTITION : escapeSegment(formatValue(v, field.type))
    out += `${out === '' ? '' : '/'}${escapeSegment(field.name)}=${text}`
  }

  return out
}

/**
 * The rows of a batch grouped by `partitionPath`, in order of first appearance; rows keep their order.
 * Without partition columns every row goes under `''`, in the array given (no copy).
 */
export function groupByPartition(schema: Schema, indexes: readonly number[], rows: Row[]): Map<string, Row[]> {
  if (indexes.length === 0) return new Map([['', rows]])
  const groups = new Map<string, Row[]>()
  for (const row of rows) {
    const dir = partitionPath(schema, indexes, row)
    let group = groups.get(dir)
    if (group === undefined) {
      group = []
      groups.set(dir, group)
    }
    group.push(row)
  }

  return groups
}

function escapeSegment(s: string): string {
  const escaped = s.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must be escaped.
    /[\u0000-\u001f"#%'*/:=?\\\u007f{}[\]^]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  )

  return escaped === '' ? NULL_PARTITION : escaped
}
