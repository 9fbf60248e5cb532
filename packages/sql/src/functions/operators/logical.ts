import { type DataType, T, typeToString, type Value } from '@ferris/core'
import { bound, semanticError } from '../bind-support.js'
import type { BoundFunction } from '../function-definition.js'

/**
 * SQL's three-valued logic. AND and OR do not propagate NULL: FALSE AND NULL is FALSE and TRUE OR NULL is
 * TRUE, because the unknown operand cannot change the answer. They take two or more operands, so the
 * compiler may flatten `a AND b AND c` into one call.
 */

function checkBooleans(op: string, argTypes: readonly DataType[], min: number): void {
  if (argTypes.length < min)
    throw semanticError(
      `${op} takes ${min === 1 ? 'one operand' : 'at least two operands'}, but ${argTypes.length} were given`,
    )
  argTypes.forEach((t, i) => {
    if (t.kind !== 'boolean' && t.kind !== 'null') {
      throw semanticError(`${op}: operand ${i + 1} has type ${typeToString(t)}, but BOOLEAN is required`, {
        value: typeToString(t),
        expected: 'BOOLEAN',
        hint: 'compare the value to get a boolean, e.g. x <> 0',
      })
    }
  })
}

export function bindAnd(argTypes: readonly DataType[]): BoundFunction {
  checkBooleans('AND', argTypes, 2)
  const evaluate =
    argTypes.length === 2
      ? (args: readonly Value[]) => {
          const a = args[0]
          const b = args[1]
          if (a === false || b === false) return false

          return a === null || b === null ? null : true
        }
      : (args: readonly Value[]) => {
          let unknown = false
          for (let i = 0; i < args.length; i++) {
            const v = args[i]
            if (v === false) return false
            if (v === null) unknown = true
          }

          return unknown ? null : true
        }

  return bound(T.boolean, evaluate, { propagatesNull: false, nullable: true })
}

export function bindOr(argTypes: readonly DataType[]): BoundFunction {
  checkBooleans('OR', argTypes, 2)
  const evaluate =
    argTypes.length === 2
      ? (args: readonly Value[]) => {
          const a = args[0]
          const b = args[1]
          if (a === true || b === true) return true

          return a === null || b === null ? null : false
        }
      : (args: readonly Value[]) => {
          let unknown = false
          for (let i = 0; i < args.length; i++) {
            const v = args[i]
            if (v === true) return true
            if (v === null) unknown = true
          }

          return unknown ? null : false
        }

  return bound(T.boolean, evaluate, { propagatesNull: false, nullable: true })
}

/** NOT NULL is NULL (the default NULL rule). */
export function bindNot(argTypes: readonly DataType[]): BoundFunction {
  checkBooleans('NOT', argTypes, 1)
  if (argTypes.length !== 1) throw semanticError(`NOT takes one operand, but ${argTypes.length} were given`)

  return bound(T.boolean, (args) => !args[0])
}

/** `x IS [NOT] NULL`: never NULL itself. */
export function bindIsNull(argTypes: readonly DataType[], negated = false): BoundFunction {
  if (argTypes.length !== 1) throw semanticError(`IS ${negated ? 'NOT ' : ''}NULL takes one operand`)

  return bound(T.boolean, negated ? (args) => args[0] !== null : (args) => args[0] === null, { propagatesNull: false })
}

/** `x IS [NOT] TRUE` / `x IS [NOT] FALSE`: never NULL itself; NULL IS TRUE is FALSE. */
export function bindIsBoolean(argTypes: readonly DataType[], value: boolean, negated = false): BoundFunction {
  checkBooleans(`IS ${negated ? 'NOT ' : ''}${value ? 'TRUE' : 'FALSE'}`, argTypes, 1)

  return bound(T.boolean, negated ? (args) => args[0] !== value : (args) => args[0] === value, {
    propagatesNull: false,
  })
}
