import { createConverter, type DataType, FerrisError, isFerrisError, typeToString, type Value } from '@ferris/core'
import { bound } from '../bind-support.js'
import { SQL_DISAMBIGUATION } from '../datetime/zones.js'
import type { BoundFunction } from '../function-definition.js'

export interface CastOptions {
  /** TRY_CAST: NULL instead of an error when a value does not convert. */
  readonly safe?: boolean
  /**
   * The operand's value when it is a constant: it is converted once, here, so CAST('abc' AS INT) fails at
   * plan time (as in PostgreSQL) and the query carries the converted constant.
   */
  readonly literal?: Value
}

/**
 * `CAST(x AS type)` and `TRY_CAST(x AS type)`, on core's converters with SQL CAST semantics (`lossy`):
 * numbers round half away from zero, finer time units truncate, text is read strictly. A value that does
 * not convert (out of range, not a number, no such date) is a FERRIS_TYPE_CONVERSION error naming the value
 * and both types; TRY_CAST gives NULL instead. Pairs of types with no conversion at all (BOOLEAN to DATE)
 * are refused here, at plan time, for both.
 */
export function bindCast(from: DataType, to: DataType, options: CastOptions = {}): BoundFunction {
  const safe = options.safe === true
  const what = safe ? 'TRY_CAST' : 'CAST'
  if (to.kind === 'null') {
    throw new FerrisError('FERRIS_SQL_SEMANTIC', `${what} to NULL is not a type`, {
      hint: 'CAST to a concrete type such as INT or STRING',
    })
  }
  let convert: (v: Value) => Value
  try {
    convert = createConverter(from, to, { lossy: true, disambiguation: SQL_DISAMBIGUATION })
  } catch (error) {
    throw new FerrisError(
      'FERRIS_SQL_SEMANTIC',
      `${what} from ${typeToString(from)} to ${typeToString(to)} is not possible`,
      {
        value: `${typeToString(from)} → ${typeToString(to)}`,
        expected:
          'a conversion between numbers, strings, booleans, dates and timestamps, or between compatible lists, maps and structs',
        hint: 'convert through STRING, or use a function made for it (FROM_UNIXTIME for epoch seconds, TO_TIMESTAMP for text with a pattern)',
        cause: error,
      },
    )
  }
  if (from.kind === 'null') return bound(to, () => null)
  if (options.literal !== undefined && options.literal !== null) {
    let constant: Value
    try {
      constant = convert(options.literal)
    } catch (error) {
      if (!(safe && isFerrisError(error) && error.code === 'FERRIS_TYPE_CONVERSION')) {
        throw new FerrisError(
          'FERRIS_SQL_SEMANTIC',
          `${what}(${typeToString(from) === 'STRING' ? `'${String(options.literal)}'` : String(options.literal)} AS ${typeToString(to)}) fails: ${isFerrisError(error) ? error.message : String(error)}`,
          {
            value: options.literal,
            expected: `a value that converts to ${typeToString(to)}`,
            hint: 'fix the literal, or use TRY_CAST for NULL instead',
            cause: error,
          },
        )
      }
      constant = null
    }
    const value = constant

    return bound(to, () => value, { nullable: safe })
  }
  if (!safe) return bound(to, (args) => convert(args[0]!))

  return bound(
    to,
    (args) => {
      try {
        return convert(args[0]!)
      } catch (error) {
        // Only conversion failures become NULL; a bug (FERRIS_INTERNAL) still surfaces.
        if (isFerrisError(error) && error.code === 'FERRIS_TYPE_CONVERSION') return null
        throw error
      }
    },
    { nullable: true },
  )
}
