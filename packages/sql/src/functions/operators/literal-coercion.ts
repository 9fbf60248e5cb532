import {
  type DataType,
  Decimal,
  FerrisError,
  isFerrisError,
  parseValue,
  T,
  typeToString,
  type Value,
} from '@ferris/core'
import { SQL_DISAMBIGUATION } from '../datetime/zones.js'

const READ_AS = new Set(['boolean', 'int32', 'int64', 'float64', 'decimal', 'date', 'time', 'timestamp', 'interval'])

/**
 * Reads a string literal as the type of the operand it is compared with, once at plan time (PostgreSQL
 * types an untyped literal from its context the same way): `ts >= '2024-01-01 00:00:00'`, `id = '42'`.
 * Timestamps and times are read at nanosecond precision so that the comparison is not rounded to the
 * column's unit, and a timestamp without an offset is read in the column's zone. Returns undefined when
 * `type` is not one a literal is read as; throws FERRIS_SQL_SEMANTIC when the text does not fit.
 */
export function literalAs(text: string, type: DataType, where: string): Value | undefined {
  if (!READ_AS.has(type.kind)) return undefined
  const target =
    type.kind === 'timestamp' ? T.timestamp('ns', type.timezone) : type.kind === 'time' ? T.time('ns') : type
  try {
    // A decimal literal keeps its own digits: comparisons are exact whatever the column's scale.
    if (type.kind === 'decimal') return Decimal.parse(text)

    return parseValue(text, target, { lossy: true, disambiguation: SQL_DISAMBIGUATION })
  } catch (error) {
    throw new FerrisError(
      'FERRIS_SQL_SEMANTIC',
      `Cannot read the literal '${text}' as ${typeToString(type)} for ${where}${isFerrisError(error) ? `: ${error.message}` : ''}`,
      {
        value: text,
        expected: `a ${typeToString(type)} literal`,
        hint: `write a valid ${typeToString(type)}, or CAST the other operand to STRING to compare text`,
        cause: error,
      },
    )
  }
}
