import { FerrisError } from '@ferris/core'

/**
 * Quotes an identifier for PostgreSQL: wrapped in double quotes with inner quotes doubled, so any name, even
 * `a"; DROP TABLE x; --`, stays one identifier. A NUL character cannot be part of a PostgreSQL identifier
 * at all, so it is refused instead of being silently cut.
 */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) {
    throw new FerrisError('FERRIS_CONFIG_INVALID', `The identifier ${JSON.stringify(name)} contains a NUL character`, {
      value: name,
      expected: 'a name without NUL characters',
      hint: 'Rename the column or table',
    })
  }

  return `"${name.replaceAll('"', '""')}"`
}

/** `"schema"."table"`, both parts quoted. */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`
}

/** A string literal for the rare statements that take no parameters (replication commands): `'it''s'`. */
export function quoteLiteral(text: string): string {
  if (text.includes('\u0000')) {
    throw new FerrisError('FERRIS_CONFIG_INVALID', 'A text value contains a NUL character', {
      value: text,
      expected: 'text without NUL characters',
    })
  }

  return `'${text.replaceAll("'", "''")}'`
}

/**
 * Slot and publication names derived from a source name: PostgreSQL slot names allow only lower-case letters,
 * digits and `_`, at most 63 characters.
 */
export function deriveName(prefix: string, name: string, suffix = ''): string {
  const base = `${prefix}${name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`

  return `${base.slice(0, 63 - suffix.length)}${suffix}`
}
