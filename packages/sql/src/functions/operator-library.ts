import { type DataType, FerrisError, isFerrisError, parseValue, typeToString, type Value } from '@ferris/core'
import { coercer, commonType } from './coercion.js'
import { SQL_DISAMBIGUATION } from './datetime/zones.js'
import { defaultFunctions } from './default-functions.js'
import type { BindContext, BoundFunction, ScalarFunction } from './function-definition.js'
import { type ArithmeticOperator, bindArithmetic, bindNegate } from './operators/arithmetic.js'
import { bindCast } from './operators/cast.js'
import { bindComparison, type ComparisonOperator } from './operators/comparison.js'
import { bindConcatOperator } from './operators/concat-operator.js'
import { bindLike } from './operators/like.js'
import type { FunctionRegistry } from './registry.js'

export interface FunctionLibraryOptions {
  /** The functions queries may call; `defaultFunctions()` when absent. */
  readonly registry?: FunctionRegistry
  readonly bindContext?: BindContext
}

/**
 * The whole library in the shape the analyzer binds expressions with (its `OperatorLibrary`): functions by
 * name, operators, casts, implicit widening and typed literals.
 */
export function functionLibrary(options: FunctionLibraryOptions = {}) {
  const registry = options.registry ?? defaultFunctions()

  return {
    ...(options.bindContext === undefined ? {} : { bindContext: options.bindContext }),
    lookupFunction: (name: string): ScalarFunction | undefined => registry.lookup(name),
    functionNames: (): readonly string[] => registry.names(),
    arithmetic: (
      op: ArithmeticOperator,
      types: readonly DataType[],
      _literals: readonly (Value | undefined)[],
    ): BoundFunction => bindArithmetic(op, types),
    negate: (types: readonly DataType[]): BoundFunction => bindNegate(types),
    comparison: (
      op: ComparisonOperator,
      types: readonly DataType[],
      literals: readonly (Value | undefined)[],
    ): BoundFunction => bindComparison(op, types, literals, options.bindContext),
    like: (
      types: readonly DataType[],
      literals: readonly (Value | undefined)[],
      caseInsensitive: boolean,
    ): BoundFunction => bindLike(types, literals, { caseInsensitive }),
    concat: (types: readonly DataType[]): BoundFunction => bindConcatOperator(types),
    cast: (from: DataType, to: DataType, literal: Value | undefined, safe: boolean): BoundFunction =>
      bindCast(from, to, literal === undefined ? { safe } : { safe, literal }),
    commonType,
    coercer,
    typedLiteral: (text: string, type: DataType): Value => typedLiteral(text, type),
  }
}

/** `DATE '2024-01-31'`, `TIMESTAMP '2024-01-31 10:00:00'`: the text read as the type, at plan time. */
export function typedLiteral(text: string, type: DataType): Value {
  try {
    return parseValue(text, type, { disambiguation: SQL_DISAMBIGUATION })
  } catch (error) {
    throw new FerrisError(
      'FERRIS_SQL_SEMANTIC',
      `${typeToString(type)} '${text}' is not a valid literal${isFerrisError(error) ? `: ${error.message}` : ''}`,
      { value: text, expected: `a ${typeToString(type)} literal`, cause: error },
    )
  }
}
