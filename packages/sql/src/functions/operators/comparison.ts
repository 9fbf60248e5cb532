import { type DataType, T, typeToString, type Value } from '@ferris/core'
import { bound, semanticError } from '../bind-support.js'
import type { BindContext, BoundFunction } from '../function-definition.js'
import { comparatorFor } from './compare-values.js'
import { literalAs } from './literal-coercion.js'

export type ComparisonOperator = '=' | '<>' | '!=' | '<' | '<=' | '>' | '>='

/** Primitive kinds whose equality is JavaScript's `===` (bigints compare by value). */
const STRICT_EQUAL = new Set(['int32', 'int64', 'string', 'boolean', 'date', 'time', 'timestamp'])
/** Kinds whose order is JavaScript's `<` on the value itself. */
const PLAIN_ORDER = new Set(['int32', 'int64', 'date', 'time', 'timestamp'])

/**
 * Binds `l op r`. Returns BOOLEAN; NULL on either side gives NULL (the engine's default NULL rule).
 * A string literal compared with a temporal or numeric operand is read as that type once, here, so
 * `ts >= '2024-01-01 00:00:00'` and `amount > '10.5'` work as in PostgreSQL.
 */
export function bindComparison(
  op: ComparisonOperator,
  argTypes: readonly [DataType, DataType] | readonly DataType[],
  literals: readonly (Value | undefined)[] = [],
  context: BindContext = {},
): BoundFunction {
  const [left, right] = resolveOperands(op, argTypes, literals)
  const l = left.type
  const r = right.type
  if (l.kind === 'null' || r.kind === 'null') return bound(T.boolean, () => null)
  const cmp = comparatorFor(l, r, context.timeZone)
  if (cmp === undefined) {
    throw semanticError(`Cannot compare ${typeToString(l)} with ${typeToString(r)} using ${op}`, {
      value: `${typeToString(l)} ${op} ${typeToString(r)}`,
      expected: 'operands of comparable types: numbers with numbers, strings with strings, dates and timestamps, ...',
      hint: 'CAST one side to the type of the other, e.g. CAST(x AS BIGINT)',
    })
  }
  const lc = left.constant
  const rc = right.constant
  // Plain `===` and `<` only where the values share one representation; a local timestamp meeting a zoned
  // one needs the comparator's time-zone conversion.
  const sameKind =
    l.kind === r.kind &&
    !(l.kind === 'timestamp' && r.kind === 'timestamp' && (l.timezone === undefined) !== (r.timezone === undefined))
  // A string literal read as another type becomes a constant operand; compare against it directly.
  if (lc !== undefined || rc !== undefined) {
    const pick = lc !== undefined ? (_a: Value, b: Value) => cmp(lc, b) : (a: Value) => cmp(a, rc!)
    return bound(
      T.boolean,
      byOrder(op, (args) => pick(args[0]!, args[1]!)),
    )
  }
  if (sameKind && (op === '=' || op === '<>' || op === '!=') && STRICT_EQUAL.has(l.kind)) {
    return bound(T.boolean, op === '=' ? (args) => args[0] === args[1] : (args) => args[0] !== args[1])
  }
  if (sameKind && PLAIN_ORDER.has(l.kind)) {
    switch (op) {
      case '<':
        return bound(T.boolean, (args) => (args[0] as number) < (args[1] as number))
      case '<=':
        return bound(T.boolean, (args) => (args[0] as number) <= (args[1] as number))
      case '>':
        return bound(T.boolean, (args) => (args[0] as number) > (args[1] as number))
      case '>=':
        return bound(T.boolean, (args) => (args[0] as number) >= (args[1] as number))
    }
  }

  return bound(
    T.boolean,
    byOrder(op, (args) => cmp(args[0]!, args[1]!)),
  )
}

function byOrder(op: ComparisonOperator, order: (args: readonly Value[]) => number) {
  switch (op) {
    case '=':
      return (args: readonly Value[]) => order(args) === 0
    case '<>':
    case '!=':
      return (args: readonly Value[]) => order(args) !== 0
    case '<':
      return (args: readonly Value[]) => order(args) < 0
    case '<=':
      return (args: readonly Value[]) => order(args) <= 0
    case '>':
      return (args: readonly Value[]) => order(args) > 0
    case '>=':
      return (args: readonly Value[]) => order(args) >= 0
  }
}

interface Operand {
  readonly type: DataType
  /** Set when a string literal was read as the other operand's type. */
  readonly constant?: Value
}

function resolveOperands(
  op: string,
  argTypes: readonly DataType[],
  literals: readonly (Value | undefined)[],
): [Operand, Operand] {
  if (argTypes.length !== 2) {
    throw semanticError(`Operator ${op} takes 2 operands, but ${argTypes.length} were given`)
  }
  const l = argTypes[0]!
  const r = argTypes[1]!
  const lv = literals[0]
  const rv = literals[1]
  if (l.kind === 'string' && r.kind !== 'string' && typeof lv === 'string') {
    const constant = literalAs(lv, r, op)
    if (constant !== undefined) return [{ type: r, constant }, { type: r }]
  }
  if (r.kind === 'string' && l.kind !== 'string' && typeof rv === 'string') {
    const constant = literalAs(rv, l, op)
    if (constant !== undefined) return [{ type: l }, { type: l, constant }]
  }

  return [{ type: l }, { type: r }]
}
