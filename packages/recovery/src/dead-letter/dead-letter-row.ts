import type { BadRecord, Row } from '@ferris/core'
import { toJsonText } from './to-json-text.js'

/** One dead-letter row in the column order of `DEAD_LETTER_SCHEMA`. */
export function deadLetterRow(record: BadRecord, failedAtNanos: bigint): Row {
  const raw = record.raw ?? record.meta?.raw
  const [rawText, encoding] =
    raw === undefined
      ? [null, null]
      : typeof raw === 'string'
        ? [raw, 'utf8']
        : [Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64'), 'base64']

  return [
    record.error.code,
    record.error.message,
    record.origin,
    record.position === undefined ? null : toJsonText(record.position),
    rawText,
    encoding,
    record.values === undefined ? null : toJsonText(record.values),
    record.attempts ?? 1,
    failedAtNanos,
  ]
}
