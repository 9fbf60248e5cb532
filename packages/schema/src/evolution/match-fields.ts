import type { Field, Schema } from '@ferris/core'

/** The field of `schema` that `field` continues: same name, else the same name ignoring case. */
export function matchField(schema: Schema, name: string): { index: number; field: Field } | undefined {
  const index = schema.indexOf(name)

  return index < 0 ? undefined : { index, field: schema.fields[index]! }
}
