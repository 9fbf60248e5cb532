import {
  createConverter,
  type DataType,
  FerrisError,
  type Row,
  type Schema,
  sameType,
  typeToString,
  type Value,
} from '@ferris/core'
import { textDecoder } from '../types/decode-text.js'
import { ferrisTypeOf } from '../types/pg-types.js'

/** A column as the server describes it (a RowDescription field or a pgoutput Relation column). */
export interface SourceColumn {
  readonly name: string
  readonly typeOid: number
  readonly typmod: number
}

/** The Ferris type of a column; unknown types are read as their text. */
export function columnType(column: SourceColumn): DataType {
  return ferrisTypeOf(column.typeOid, column.typmod) ?? { kind: 'string' }
}

/**
 * Turns rows of server text into rows of the job's schema: one decoder and one converter per field, chosen
 * once. A value that does not fit (a numeric with more digits than the declared decimal) throws
 * FERRIS_TYPE_CONVERSION naming the column; the caller reports the row as bad.
 */
export class RowConverter {
  readonly #steps: Array<{ index: number; decode: (text: string) => Value; convert: (v: Value) => Value; name: string }>

  constructor(columns: readonly SourceColumn[], schema: Schema, subject: string) {
    this.#steps = schema.fields.map((field) => {
      let index = columns.findIndex((c) => c.name === field.name)
      if (index < 0) index = columns.findIndex((c) => c.name.toLowerCase() === field.name.toLowerCase())
      if (index < 0) {
        throw new FerrisError(
          'FERRIS_SCHEMA_MISMATCH',
          `${subject}: the PostgreSQL source has no column "${field.name}"`,
          {
            subject,
            column: field.name,
            value: field.name,
            expected: `one of ${columns.map((c) => `"${c.name}"`).join(', ')}`,
          },
        )
      }
      const column = columns[index]!
      const from = columnType(column)
      let convert: (v: Value) => Value = (v) => v
      if (!sameType(from, field.type)) {
        try {
          convert = createConverter(from, field.type)
        } catch (cause) {
          throw new FerrisError(
            'FERRIS_SCHEMA_MISMATCH',
            `${subject}: column "${column.name}" is ${typeToString(from)} in PostgreSQL and cannot be read as ${typeToString(field.type)}`,
            { subject, column: column.name, cause, value: typeToString(from), expected: typeToString(field.type) },
          )
        }
      }

      return { index, decode: textDecoder(column.typeOid), convert, name: field.name }
    })
  }

  convert(texts: ReadonlyArray<string | null>): Row {
    const steps = this.#steps
    const row: Row = new Array(steps.length)
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!
      const text = texts[step.index]
      if (text === null || text === undefined) {
        row[i] = null
        continue
      }
      try {
        row[i] = step.convert(step.decode(text))
      } catch (cause) {
        throw new FerrisError('FERRIS_TYPE_CONVERSION', `column "${step.name}": ${(cause as Error).message}`, {
          column: step.name,
          value: text.length > 200 ? `${text.slice(0, 200)}…` : text,
          cause,
        })
      }
    }

    return row
  }
}

/** A schema from server columns; `notNull` names columns declared NOT NULL. */
export function schemaOf(
  columns: readonly SourceColumn[],
  notNull: ReadonlySet<string>,
): { fields: Array<{ name: string; type: DataType; nullable: boolean }> } {
  return { fields: columns.map((c) => ({ name: c.name, type: columnType(c), nullable: !notNull.has(c.name) })) }
}
