import type { DataType, Value } from '@ferris/core'
import type { BindContext, BoundFunction, ScalarFunction } from '../functions/function-definition.js'

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%'
export type ComparisonOp = '=' | '<>' | '<' | '<=' | '>' | '>='

/**
 * Everything the analyzer binds expressions with: the scalar functions by name and the operators. Each
 * binder checks the operand types once, at plan time, and returns a specialised `BoundFunction`, so the
 * compiled query never switches on a type per record. Type errors are FerrisErrors without a location;
 * the analyzer adds line, column and caret.
 */
export interface OperatorLibrary {
  lookupFunction(name: string): ScalarFunction | undefined
  /** Every function name, for did-you-mean suggestions. */
  functionNames(): readonly string[]
  arithmetic(op: ArithmeticOp, types: readonly DataType[], literals: readonly (Value | undefined)[]): BoundFunction
  negate(types: readonly DataType[]): BoundFunction
  comparison(op: ComparisonOp, types: readonly DataType[], literals: readonly (Value | undefined)[]): BoundFunction
  /** `value LIKE pattern [ESCAPE e]`: arguments are the value, the pattern and the escape when given. */
  like(types: readonly DataType[], literals: readonly (Value | undefined)[], caseInsensitive: boolean): BoundFunction
  concat(types: readonly DataType[]): BoundFunction
  /** CAST; `safe` for TRY_CAST (the engine turns errors into NULL, the binder may also do so itself). */
  cast(from: DataType, to: DataType, literal: Value | undefined, safe: boolean): BoundFunction
  /** The type two values are compared or combined as (CASE branches, IN lists), or undefined when there is none. */
  commonType(a: DataType, b: DataType): DataType | undefined
  /** Converts a non-null value to `to`, or undefined when the representation does not change. */
  coercer(from: DataType, to: DataType): ((v: Value) => Value) | undefined
  /** Reads a typed literal: `DATE '2024-01-31'`, `TIMESTAMP '2024-01-31 10:00:00'`. */
  typedLiteral(text: string, type: DataType): Value
  readonly bindContext?: BindContext
}
