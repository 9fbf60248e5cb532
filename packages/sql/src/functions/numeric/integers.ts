import { FerrisError } from '@ferris/core'

export const INT32_MIN = -2_147_483_648
export const INT32_MAX = 2_147_483_647
export const INT64_MIN = -9_223_372_036_854_775_808n
export const INT64_MAX = 9_223_372_036_854_775_807n

/** The overflow error: names the operation, the operands and the range of the type it left. */
export function overflowError(expression: string, typeName: 'INT' | 'BIGINT' | 'DOUBLE' | string): FerrisError {
  const range =
    typeName === 'INT'
      ? `${INT32_MIN} to ${INT32_MAX}`
      : typeName === 'BIGINT'
        ? `${INT64_MIN} to ${INT64_MAX}`
        : 'the range of the type'

  return new FerrisError(
    'FERRIS_ARITHMETIC_OVERFLOW',
    `Arithmetic overflow: ${expression} does not fit in ${typeName} (${range})`,
    {
      value: expression,
      expected: `a result from ${range}`,
      hint:
        typeName === 'INT'
          ? 'CAST an operand to BIGINT or DECIMAL for a wider range'
          : typeName === 'BIGINT'
            ? 'CAST an operand to DECIMAL(38, 0) for a wider range'
            : 'CAST an operand to a wider type',
    },
  )
}

export function divisionByZero(expression: string): FerrisError {
  return new FerrisError('FERRIS_DIVISION_BY_ZERO', `Division by zero: ${expression}`, {
    value: expression,
    hint: 'guard the divisor, e.g. x / NULLIF(y, 0) gives NULL instead of an error',
  })
}

/** `r` as an int32, or the overflow error for `expression()` (built only on failure). */
export function checkInt32(r: number, a: unknown, op: string, b: unknown): number {
  if (r > INT32_MAX || r < INT32_MIN) throw overflowError(`${String(a)} ${op} ${String(b)}`, 'INT')

  return r
}

export function checkInt64(r: bigint, a: unknown, op: string, b: unknown): bigint {
  if (r > INT64_MAX || r < INT64_MIN) throw overflowError(`${String(a)} ${op} ${String(b)}`, 'BIGINT')

  return r
}

/** A finite double, unless an operand was already infinite or NaN (IEEE rules then apply, as PostgreSQL). */
export function checkFloat(r: number, a: number, op: string, b: number): number {
  if (!Number.isFinite(r) && Number.isFinite(a) && Number.isFinite(b)) {
    throw overflowError(`${a} ${op} ${b}`, 'DOUBLE')
  }

  return r
}
