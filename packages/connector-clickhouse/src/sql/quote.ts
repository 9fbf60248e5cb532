/**
 * ClickHouse quoting. The 18.16 server has no query parameters, so every name and value that reaches SQL
 * text goes through one of these two functions; nothing else builds SQL from user input.
 */

/** A backtick-quoted identifier: backslash and backtick escaped, so no name can end the quote. */
export function quoteIdentifier(name: string): string {
  return `\`${escapeQuoted(name, '`')}\``
}

/** `db`.`table` */
export function qualifiedName(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`
}

/** A single-quoted string literal with backslash escapes, as ClickHouse reads it. */
export function quoteString(value: string): string {
  return `'${escapeQuoted(value, "'")}'`
}

function escapeQuoted(text: string, quote: string): string {
  let out = ''
  for (const ch of text) {
    if (ch === '\\') out += '\\\\'
    else if (ch === quote) out += `\\${quote}`
    else if (ch === '\0') out += '\\0'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else out += ch
  }

  return out
}
