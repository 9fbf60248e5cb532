import type { DataType, Decimal, Value } from '@ferris/core'
import { argTypeError, isNumericArg } from '../bind-support.js'

/** A reader of a numeric argument as a double, chosen once for the argument's type. */
export function doubleReader(name: string, index: number, t: DataType, signature: string): (v: Value) => number {
  if (!isNumericArg(t)) throw argTypeError(name, index, t, 'a number (INT, BIGINT, DECIMAL or DOUBLE)', signature)
  if (t.kind === 'int64') return (v) => Number(v as bigint)
  if (t.kind === 'decimal') return (v) => (v as Decimal).toNumber()

  return (v) => v as number
}
