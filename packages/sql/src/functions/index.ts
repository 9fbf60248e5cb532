export {
  argTypeError,
  bound,
  checkArgs,
  checkArity,
  type Evaluate,
  requireLiteral,
  requireStringLiteral,
  semanticError,
} from './bind-support.js'
export { type Coerce, coercer, commonType, commonTypeOf } from './coercion.js'
export { bindCaseResult, unify } from './conditional/unify.js'
export { UNIT_FIRST_FUNCTIONS } from './datetime/units.js'
export { BUILTIN_FUNCTIONS, defaultFunctions } from './default-functions.js'
export { defineFunction } from './define.js'
export type { BindContext, BoundFunction, EvalContext, ScalarFunction } from './function-definition.js'
export { type FunctionLibraryOptions, functionLibrary, typedLiteral } from './operator-library.js'
export { type ArithmeticOperator, bindArithmetic, bindNegate, bindUnaryPlus } from './operators/arithmetic.js'
export { type BetweenOptions, bindBetween } from './operators/between.js'
export { bindCast, type CastOptions } from './operators/cast.js'
export { type Comparator, comparatorFor, comparatorOf, compareStrings } from './operators/compare-values.js'
export { bindComparison, type ComparisonOperator } from './operators/comparison.js'
export { bindConcatOperator } from './operators/concat-operator.js'
export { bindIsDistinctFrom } from './operators/distinct.js'
export { bindInList } from './operators/in-list.js'
export { type BinaryOperator, bindBinaryOperator, bindUnaryOperator, type UnaryOperator } from './operators/index.js'
export { bindLike, type LikeOptions, likeToRegExp } from './operators/like.js'
export { bindAnd, bindIsBoolean, bindIsNull, bindNot, bindOr } from './operators/logical.js'
export { editDistance, FunctionRegistry } from './registry.js'
