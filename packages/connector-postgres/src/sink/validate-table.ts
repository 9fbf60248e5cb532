import { FerrisError, type Schema, typeToString } from '@ferris/core'
import { columnAccepts } from '../types/pg-types.js'
import type { TableColumn } from './table-columns.js'

/**
 * Checks rows of `schema` fit `columns`: every field has a column of the same name (exact, as quoted
 * identifiers compare) whose type accepts the field's values, and every NOT NULL column without a default is
 * written. Throws FERRIS_SCHEMA_MISMATCH naming the first column that does not fit.
 */
export function validateTable(schema: Schema, columns: readonly TableColumn[], table: string, subject: string): void {
  const byName = new Map(columns.map((c) => [c.name, c]))
  for (const field of schema.fields) {
    const column = byName.get(field.name)
    if (column === undefined) {
      const folded = columns.find((c) => c.name.toLowerCase() === field.name.toLowerCase())
      throw new FerrisError('FERRIS_SCHEMA_MISMATCH', `${subject}: table ${table} has no column "${field.name}"`, {
        subject,
        value: field.name,
        column: field.name,
        expected: `one of ${columns.map((c) => `"${c.name}"`).join(', ')}`,
        hint:
          folded === undefined
            ? 'Add the column (ALTER TABLE ... ADD COLUMN), rename the field, or set create_table=true for a new table'
            : `Names are compared exactly: the table has "${folded.name}"; rename the field to match`,
      })
    }
    if (!columnAccepts(field.type, column.type)) {
      throw new FerrisError(
        'FERRIS_SCHEMA_MISMATCH',
        `${subject}: column "${field.name}" of ${table} is ${column.type}, which cannot hold ${typeToString(field.type)}`,
        {
          subject,
          column: field.name,
          value: column.type,
          expected: `a column type for ${typeToString(field.type)} (see the type mapping in the connector README)`,
          hint: 'Change the column type or CAST the field in the query',
        },
      )
    }
  }
  for (const column of columns) {
    if (column.notNull && !column.hasDefault && schema.indexOf(column.name, true) < 0) {
      throw new FerrisError(
        'FERRIS_SCHEMA_MISMATCH',
        `${subject}: column "${column.name}" of ${table} is NOT NULL without a default, and the query does not write it`,
        { subject, column: column.name, hint: 'Add the field to the query, or give the column a default' },
      )
    }
  }
}
