import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import copyStreams from 'pg-copy-streams'
import type { PendingRow } from './change-set.js'

/** Escapes a value for COPY's text format: backslash, tab, newline and carriage return. */
function escapeCopy(text: string): string {
  // Most values need nothing: test first so the common case allocates no new string.
  return /[\\\t\n\r]/.test(text)
    ? text.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r')
    : text
}

/**
 * The rows as COPY text-format lines; NULL is `\N`. `plain[c]` marks columns whose text can never hold a
 * backslash, tab or newline (numbers, booleans, dates, timestamps, hex bytes), which skip the escaping test.
 */
export function copyText(rows: readonly PendingRow[], plain: readonly boolean[] = []): string {
  let out = ''
  for (const row of rows) {
    const params = row.params
    for (let c = 0; c < params.length; c++) {
      const v = params[c]
      if (c > 0) out += '\t'
      out += v === null ? '\\N' : plain[c] === true ? v! : escapeCopy(v!)
    }
    out += '\n'
  }

  return out
}

/**
 * `COPY table (columns) FROM STDIN` of the rows: the fastest way PostgreSQL takes rows (several times a
 * multi-row INSERT, see benchmarks/postgres). Values are the same text the INSERT path binds as parameters.
 */
export async function copyRows(
  client: pg.Client,
  statement: string,
  rows: readonly PendingRow[],
  plain: readonly boolean[],
): Promise<void> {
  const stream = client.query(copyStreams.from(statement))
  await pipeline(Readable.from([copyText(rows, plain)]), stream)
}

/**
 * Kinds whose PostgreSQL text never holds a backslash, tab, newline or carriage return. Not bytes: their
 * hex text starts with a backslash (`\\x00ff`), which COPY must see doubled.
 */
export const PLAIN_KINDS: ReadonlySet<string> = new Set([
  'boolean',
  'int32',
  'int64',
  'float64',
  'decimal',
  'date',
  'time',
  'timestamp',
  'interval',
])
