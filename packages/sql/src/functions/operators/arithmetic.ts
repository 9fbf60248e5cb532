import { type DataType, Decimal, type DecimalType, T, typeToString, type Value } from '@ferris/core'
import { bound, semanticError } from '../bind-support.js'
import { isNumericKind } from '../coercion.js'
import type { BoundFunction } from '../function-definition.js'
import {
  additionType,
  asDecimalType,
  decimalFitter,
  divisionType,
  moduloType,
  multiplicationType,
} from '../numeric/decimal-types.js'
import {
  checkFloat,
  checkInt32,
  checkInt64,
  divisionByZero,
  INT32_MIN,
  INT64_MIN,
  overflowError,
} from '../numeric/integers.js'
import { bindTemporalArithmetic } from './temporal-arithmetic.js'

export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%'

type Binary = (a: Value, b: Value) => Value

/**
 * Binds `l op r` for numbers (and, through `bindTemporalArithmetic`, dates, timestamps and intervals).
 * Types widen as SQL says: INT op BIGINT → BIGINT, an integer with a DECIMAL → DECIMAL, anything with a
 * DOUBLE → DOUBLE. Integer results are range-checked (FERRIS_ARITHMETIC_OVERFLOW), integer division
 * truncates toward zero, and a zero divisor is FERRIS_DIVISION_BY_ZERO for every numeric type.
 */
export function bindArithmetic(op: ArithmeticOperator, argTypes: readonly DataType[]): BoundFunction {
  if (argTypes.length !== 2) throw semanticError(`Operator ${op} takes 2 operands, but ${argTypes.length} were given`)
  const l = argTypes[0]!
  const r = argTypes[1]!
  if (l.kind === 'null' || r.kind === 'null') {
    const other = l.kind === 'null' ? r : l
    const type =
      other.kind === 'null' || !isNumericKind(other)
        ? other.kind === 'null'
          ? T.int32
          : nullResultType(op, other)
        : other

    return bound(type, () => null)
  }
  if (isNumericKind(l) && isNumericKind(r)) {
    const [type, f] = numeric(op, l, r)

    return bound(type, (args) => f(args[0]!, args[1]!))
  }
  const temporal = bindTemporalArithmetic(op, l, r)
  if (temporal !== undefined) return temporal
  throw semanticError(`Operator ${op} cannot be applied to ${typeToString(l)} and ${typeToString(r)}`, {
    value: `${typeToString(l)} ${op} ${typeToString(r)}`,
    expected:
      'numbers (INT, BIGINT, DECIMAL, DOUBLE); DATE ± INT; DATE or TIMESTAMP ± INTERVAL; TIMESTAMP - TIMESTAMP; INTERVAL ± INTERVAL',
    hint:
      typeToString(l) === 'STRING' || typeToString(r) === 'STRING'
        ? 'use || to concatenate strings, or CAST the string to a number'
        : 'CAST the operands to compatible types',
  })
}

/** The result type of `x op NULL` when x is not numeric (e.g. a timestamp plus an untyped NULL). */
function nullResultType(op: ArithmeticOperator, other: DataType): DataType {
  if (other.kind === 'timestamp' && op === '-') return other
  if (other.kind === 'date') return op === '-' ? T.int32 : T.date

  return other
}

function numeric(op: ArithmeticOperator, l: DataType, r: DataType): [DataType, Binary] {
  if (l.kind === 'float64' || r.kind === 'float64') return [T.float64, floatOp(op, toFloat(l), toFloat(r))]
  if (l.kind === 'decimal' || r.kind === 'decimal') return decimalOp(op, l, r)
  if (l.kind === 'int32' && r.kind === 'int32') return [T.int32, int32Op(op)]
  const f = int64Op(op)
  if (l.kind === 'int32') return [T.int64, (a, b) => f(BigInt(a as number), b)]
  if (r.kind === 'int32') return [T.int64, (a, b) => f(a, BigInt(b as number))]

  return [T.int64, f]
}

function toFloat(t: DataType): ((v: Value) => number) | undefined {
  if (t.kind === 'int64') return (v) => Number(v as bigint)
  if (t.kind === 'decimal') return (v) => (v as Decimal).toNumber()

  return undefined
}

function int32Op(op: ArithmeticOperator): Binary {
  switch (op) {
    case '+':
      return (a, b) => checkInt32((a as number) + (b as number), a, '+', b)
    case '-':
      return (a, b) => checkInt32((a as number) - (b as number), a, '-', b)
    case '*':
      // A product of two int32s can exceed 2^53, but then it is far outside the int32 range anyway, so
      // the rounded double still fails the range check; in range, it is exact.
      return (a, b) => checkInt32((a as number) * (b as number), a, '*', b)
    case '/':
      return (a, b) => {
        if (b === 0) throw divisionByZero(`${a} / 0`)
        if (a === INT32_MIN && b === -1) throw overflowError(`${a} / -1`, 'INT')

        return Math.trunc((a as number) / (b as number))
      }
    case '%':
      return (a, b) => {
        if (b === 0) throw divisionByZero(`${a} % 0`)
        // JavaScript's % keeps the dividend's sign, as SQL's MOD does; -0 from e.g. -4 % 2 becomes 0.
        return ((a as number) % (b as number)) + 0
      }
  }
}

function int64Op(op: ArithmeticOperator): Binary {
  switch (op) {
    case '+':
      return (a, b) => checkInt64((a as bigint) + (b as bigint), a, '+', b)
    case '-':
      return (a, b) => checkInt64((a as bigint) - (b as bigint), a, '-', b)
    case '*':
      return (a, b) => checkInt64((a as bigint) * (b as bigint), a, '*', b)
    case '/':
      return (a, b) => {
        if (b === 0n) throw divisionByZero(`${a} / 0`)
        if (a === INT64_MIN && b === -1n) throw overflowError(`${a} / -1`, 'BIGINT')

        // bigint division truncates toward zero, as SQL integer division does.
        return (a as bigint) / (b as bigint)
      }
    case '%':
      return (a, b) => {
        if (b === 0n) throw divisionByZero(`${a} % 0`)

        return (a as bigint) % (b as bigint)
      }
  }
}

function floatOp(
  op: ArithmeticOperator,
  fa: ((v: Value) => number) | undefined,
  fb: ((v: Value) => number) | undefined,
): Binary {
  const base = floatBase(op)
  if (fa === undefined && fb === undefined) return base
  const ca = fa ?? ((v: Value) => v as number)
  const cb = fb ?? ((v: Value) => v as number)

  return (a, b) => base(ca(a), cb(b))
}

function floatBase(op: ArithmeticOperator): Binary {
  switch (op) {
    case '+':
      return (a, b) => checkFloat((a as number) + (b as number), a as number, '+', b as number)
    case '-':
      return (a, b) => checkFloat((a as number) - (b as number), a as number, '-', b as number)
    case '*':
      return (a, b) => checkFloat((a as number) * (b as number), a as number, '*', b as number)
    case '/':
      return (a, b) => {
        // PostgreSQL raises on a zero divisor for float8 too, rather than returning Infinity or NaN.
        if (b === 0) throw divisionByZero(`${a} / 0`)

        return checkFloat((a as number) / (b as number), a as number, '/', b as number)
      }
    case '%':
      return (a, b) => {
        if (b === 0) throw divisionByZero(`${a} % 0`)

        return (a as number) % (b as number)
      }
  }
}

function toDecimal(t: DataType): (v: Value) => Decimal {
  if (t.kind === 'int32') return (v) => new Decimal(BigInt(v as number), 0)
  if (t.kind === 'int64') return (v) => new Decimal(v as bigint, 0)

  return (v) => v as Decimal
}

function decimalOp(op: ArithmeticOperator, l: DataType, r: DataType): [DecimalType, Binary] {
  const dl = asDecimalType(l)
  const dr = asDecimalType(r)
  const ca = toDecimal(l)
  const cb = toDecimal(r)
  switch (op) {
    case '+': {
      const type = additionType(dl, dr)
      const fit = decimalFitter(type)

      return [type, (a, b) => fit(ca(a).add(cb(b)), () => `${a} + ${b}`)]
    }
    case '-': {
      const type = additionType(dl, dr)
      const fit = decimalFitter(type)

      return [type, (a, b) => fit(ca(a).sub(cb(b)), () => `${a} - ${b}`)]
    }
    case '*': {
      const type = multiplicationType(dl, dr)
      const fit = decimalFitter(type)

      return [type, (a, b) => fit(ca(a).mul(cb(b)), () => `${a} * ${b}`)]
    }
    case '/': {
      const type = divisionType(dl, dr)
      const fit = decimalFitter(type)
      const scale = type.scale

      return [
        type,
        (a, b) => {
          const y = cb(b)
          if (y.isZero()) throw divisionByZero(`${a} / ${b}`)

          return fit(ca(a).div(y, scale, 'half_up'), () => `${a} / ${b}`)
        },
      ]
    }
    case '%': {
      const type = moduloType(dl, dr)
      const fit = decimalFitter(type)

      return [
        type,
        (a, b) => {
          const y = cb(b)
          if (y.isZero()) throw divisionByZero(`${a} % ${b}`)

          return fit(ca(a).mod(y), () => `${a} % ${b}`)
        },
      ]
    }
  }
}

/** Unary minus. Negating the smallest INT or BIGINT overflows (its positive is one past the maximum). */
export function bindNegate(argTypes: readonly DataType[]): BoundFunction {
  if (argTypes.length !== 1) throw semanticError(`Unary minus takes 1 operand, but ${argTypes.length} were given`)
  const t = argTypes[0]!
  switch (t.kind) {
    case 'null':
      return bound(T.int32, () => null)
    case 'int32':
      return bound(t, (args) => {
        const a = args[0] as number
        if (a === INT32_MIN) throw overflowError(`-(${a})`, 'INT')

        return -a + 0
      })
    case 'int64':
      return bound(t, (args) => {
        const a = args[0] as bigint
        if (a === INT64_MIN) throw overflowError(`-(${a})`, 'BIGINT')

        return -a
      })
    case 'float64':
      return bound(t, (args) => -(args[0] as number))
    case 'decimal':
      return bound(t, (args) => (args[0] as Decimal).neg())
    case 'interval':
      return bound(t, (args) => (args[0] as { neg(): Value }).neg())
    default:
      throw semanticError(`Unary minus cannot be applied to ${typeToString(t)}`, {
        value: typeToString(t),
        expected: 'INT, BIGINT, DECIMAL, DOUBLE or INTERVAL',
        hint: 'CAST the operand to a number',
      })
  }
}

/** Unary plus: accepted on numbers and intervals, returns the operand. */
export function bindUnaryPlus(argTypes: readonly DataType[]): BoundFunction {
  const t = argTypes[0]
  if (argTypes.length !== 1 || t === undefined || !(isNumericKind(t) || t.kind === 'interval' || t.kind === 'null')) {
    throw semanticError(`Unary plus cannot be applied to ${t === undefined ? 'nothing' : typeToString(t)}`, {
      expected: 'a number or an INTERVAL',
    })
  }

  return bound(t.kind === 'null' ? T.int32 : t, (args) => args[0]!)
}
