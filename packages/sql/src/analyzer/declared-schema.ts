import { type Field, Schema } from '@ferris/core'
import type { Application, ColumnDefinition } from '../parser/ast.js'
import { parseColumnList } from '../parser/parser.js'
import type { SourceText } from '../parser/source-text.js'
import type { EndpointRef } from './endpoints.js'

/**
 * The schema a statement declares for a source, if any: `'<source>.schema' = 'id BIGINT, ts TIMESTAMP(3)'`
 * or `CREATE STREAM <source> (id BIGINT, ts TIMESTAMP(3)) WITH (...)`. A declared schema is used instead of
 * asking the source (`discoverSchema`) and is handed to the reader, which converts each record to it.
 */
export function declaredSchemaOf(ep: EndpointRef, app: Application, source: SourceText): Schema | undefined {
  const property = ep.engineProperties?.schema
  const lower = ep.name.toLowerCase()
  const declaration = app.declarations?.find((d) =>
    d.name.quoted ? d.name.name === ep.name : d.name.name.toLowerCase() === lower,
  )
  if (property !== undefined && declaration !== undefined) {
    throw source.error(
      'FERRIS_CONFIG_INVALID',
      property.span ?? declaration.name.span,
      `Source "${ep.name}" declares its columns twice: in CREATE STREAM ${declaration.name.name} (...) and in '${ep.name}.schema'`,
      { value: property.value, hint: `Keep one of them` },
    )
  }
  if (declaration !== undefined) return schemaOf(declaration.columns)
  if (property === undefined) return undefined
  if (property.value.trim() === '') {
    throw source.error('FERRIS_CONFIG_INVALID', property.span ?? ep.span, `'${ep.name}.schema' is empty`, {
      value: property.value,
      expected: "a column list such as 'id BIGINT, amount DECIMAL(12,2), ts TIMESTAMP(3)'",
    })
  }

  return schemaOf(parseColumnList(source, property.value, property.span))
}

function schemaOf(columns: readonly ColumnDefinition[]): Schema {
  return new Schema(columns.map((c): Field => ({ name: c.name.name, type: c.type.type, nullable: c.nullable })))
}
