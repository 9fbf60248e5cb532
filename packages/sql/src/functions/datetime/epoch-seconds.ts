import {
  type DataType,
  Decimal,
  FerrisError,
  floorDiv,
  NANOS_PER_SECOND,
  parseValue,
  T,
  type Value,
} from '@ferris/core'
import { argTypeError, bound, checkArity } from '../bind-support.js'
import { defineFunction } from '../define.js'
import type { BoundFunction } from '../function-definition.js'
import { pow10 } from '../numeric/decimal-types.js'
import { compileParse } from './strftime.js'
import { temporalInput } from './temporal-input.js'
import { zoneNamed } from './zones.js'

/** Epoch seconds of any numeric type as epoch nanoseconds, exactly (fractions beyond nanoseconds truncate). */
export function secondsReader(fn: string, index: number, t: DataType, signature: string): (v: Value) => bigint {
  switch (t.kind) {
    case 'int32':
      return (v) => BigInt(v as number) * NANOS_PER_SECOND
    case 'int64':
      return (v) => (v as bigint) * NANOS_PER_SECOND
    case 'decimal':
      return (v) => {
        const d = v as Decimal

        return d.scale <= 9 ? d.unscaled * pow10(9 - d.scale) : d.unscaled / pow10(d.scale - 9)
      }
    case 'float64':
      return (v) => {
        const n = v as number
        if (!Number.isFinite(n)) {
          throw new FerrisError('FERRIS_EVALUATION', `${fn}: ${n} seconds is not a point in time`, {
            value: String(n),
            expected: 'a finite number of seconds',
          })
        }
        // Through the shortest decimal that prints as the double: 1709990707.123 is .123 s, not .12299990654.
        const d = Decimal.fromNumber(n)

        return d.scale <= 9 ? d.unscaled * pow10(9 - d.scale) : d.unscaled / pow10(d.scale - 9)
      }
    default:
      throw argTypeError(fn, index, t, 'epoch seconds (INT, BIGINT, DECIMAL or DOUBLE)', signature)
  }
}

const FROM_SIGNATURE = 'FROM_UNIXTIME(seconds NUMBER) → TIMESTAMP(6) WITH TIME ZONE'

/**
 * The instant `seconds` after 1970-01-01T00:00:00Z (fractions kept to the microsecond for a DECIMAL or
 * DOUBLE, to the nanosecond for DECIMAL(p, s) with s > 6), as a timestamp in the session time zone (UTC
 * when none), like PostgreSQL's to_timestamp(double).
 */
export const fromUnixtime = defineFunction({
  name: 'FROM_UNIXTIME',
  signature: FROM_SIGNATURE,
  bind(argTypes, _literals, context): BoundFunction {
    checkArity('FROM_UNIXTIME', FROM_SIGNATURE, argTypes, 1)
    const zone = context?.timeZone ?? 'UTC'
    zoneNamed(zone, 'FROM_UNIXTIME')
    const t = argTypes[0]!
    const unit = t.kind === 'decimal' && t.scale > 6 ? 'ns' : 'us'
    if (t.kind === 'null') return bound(T.timestamp(unit, zone), () => null)
    const read = secondsReader('FROM_UNIXTIME', 0, t, FROM_SIGNATURE)

    return bound(T.timestamp(unit, zone), (args) => read(args[0]!))
  },
})

const UNIX_SIGNATURE = 'UNIX_TIMESTAMP([x TIMESTAMP | DATE | STRING [, pattern STRING]]) → BIGINT'

/**
 * Whole seconds since 1970-01-01T00:00:00Z, rounded down: of the statement's start with no argument, of a
 * zoned timestamp's instant, of a local timestamp or date read as UTC, or of text read by TO_TIMESTAMP's
 * rules (with an optional pattern).
 */
export const unixTimestamp = defineFunction({
  name: 'UNIX_TIMESTAMP',
  signature: UNIX_SIGNATURE,
  bind(argTypes, literals): BoundFunction {
    checkArity('UNIX_TIMESTAMP', UNIX_SIGNATURE, argTypes, 0, 2)
    const seconds = (nanos: bigint) => floorDiv(nanos, NANOS_PER_SECOND)
    if (argTypes.length === 0) return bound(T.int64, (_args, ctx) => seconds(ctx.queryStartNanos))
    const t = argTypes[0]!
    if (t.kind === 'null') return bound(T.int64, () => null)
    if (t.kind === 'string') {
      const parse = textToNanos('UNIX_TIMESTAMP', argTypes, literals)

      return bound(T.int64, (args) => seconds(parse(args[0] as string, args[1] as string | undefined)))
    }
    if (argTypes.length === 2)
      throw argTypeError('UNIX_TIMESTAMP', 0, t, 'STRING when a pattern is given', UNIX_SIGNATURE)
    const input = temporalInput('UNIX_TIMESTAMP', 0, t, UNIX_SIGNATURE)
    if (input.kind === 'timestamp') return bound(T.int64, (args) => seconds(args[0] as bigint))

    return bound(T.int64, (args) => seconds(input.toLocal(args[0]!)))
  },
})

/**
 * Reads text as TO_TIMESTAMP does: ISO 8601 without a pattern, else the strftime-style pattern (compiled
 * once when constant). The result is epoch nanoseconds: the instant when the text has an offset, the wall
 * clock read as UTC otherwise.
 */
export function textToNanos(
  fn: string,
  argTypes: readonly DataType[],
  literals: readonly (Value | undefined)[],
): (text: string, pattern: string | undefined) => bigint {
  if (argTypes.length === 2 && argTypes[1]!.kind !== 'string' && argTypes[1]!.kind !== 'null') {
    throw argTypeError(fn, 1, argTypes[1]!, 'a pattern (STRING)')
  }
  if (argTypes.length === 1) return (text) => parseIso(text)
  const constant = literals[1]
  if (typeof constant === 'string') {
    const parse = compileParse(constant)

    return (text) => parse(text).nanos
  }
  let lastPattern: string | undefined
  let last: (text: string) => { nanos: bigint } = () => ({ nanos: 0n })

  return (text, pattern) => {
    if (pattern !== lastPattern) {
      last = compileParse(pattern ?? '')
      lastPattern = pattern
    }

    return last(text).nanos
  }
}

function parseIso(text: string): bigint {
  return parseValue(text, T.timestamp('ns')) as bigint
}
