import type { DataType, Value } from '@ferris/core'
import { semanticError } from '../bind-support.js'
import type { BoundFunction } from '../function-definition.js'
import { type ArithmeticOperator, bindArithmetic, bindNegate, bindUnaryPlus } from './arithmetic.js'
import { bindComparison, type ComparisonOperator } from './comparison.js'
import { bindConcatOperator } from './concat-operator.js'
import { bindAnd, bindNot, bindOr } from './logical.js'

export type BinaryOperator = ArithmeticOperator | ComparisonOperator | 'AND' | 'OR' | '||'
export type UnaryOperator = 'NOT' | '-' | '+'

/**
 * One entry point for the binary operators of the parser's `BinaryExpr` (`+ - * / %`, comparisons, AND,
 * OR, `||`). `literals` carries constant operands, as for functions.
 */
export function bindBinaryOperator(
  op: BinaryOperator,
  left: DataType,
  right: DataType,
  literals: readonly (Value | undefined)[] = [],
): BoundFunction {
  switch (op) {
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return bindArithmetic(op, [left, right])
    case '=':
    case '<>':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return bindComparison(op, [left, right], literals)
    case 'AND':
      return bindAnd([left, right])
    case 'OR':
      return bindOr([left, right])
    case '||':
      return bindConcatOperator([left, right])
    default:
      throw semanticError(`Unknown operator ${String(op)}`)
  }
}

/** The unary operators: NOT, minus and plus. */
export function bindUnaryOperator(op: UnaryOperator, operand: DataType): BoundFunction {
  switch (op) {
    case 'NOT':
      return bindNot([operand])
    case '-':
      return bindNegate([operand])
    case '+':
      return bindUnaryPlus([operand])
    default:
      throw semanticError(`Unknown unary operator ${String(op)}`)
  }
}
