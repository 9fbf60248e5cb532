import { type DataType, typeToString } from '@ferris/core'
import { semanticError } from '../bind-support.js'
import { type Coerce, coercer, commonTypeOf } from '../coercion.js'

/**
 * The common type of several values that become one (COALESCE arguments, CASE branches, GREATEST), with
 * a converter per value whose representation changes (undefined where none is needed).
 */
export function unify(
  what: string,
  types: readonly DataType[],
): { type: DataType; coerce: ReadonlyArray<Coerce | undefined> } {
  const common = commonTypeOf(types)
  if (!('type' in common)) {
    const bad = types[common.failedAt]!
    throw semanticError(
      `${what}: value ${common.failedAt + 1} has type ${typeToString(bad)}, which does not mix with ${typeToString(common.so_far)}`,
      {
        value: types.map(typeToString).join(', '),
        expected: 'values of one type family: numbers, strings, booleans, dates and timestamps, ...',
        hint: `CAST value ${common.failedAt + 1} to ${typeToString(common.so_far)}`,
      },
    )
  }

  return { type: common.type, coerce: types.map((t) => coercer(t, common.type)) }
}

/**
 * For the compiler's CASE: the result type of the THEN/ELSE branches and how to convert each branch's
 * value to it. CASE itself is evaluated lazily by the compiler (a branch runs only when chosen).
 */
export const bindCaseResult = (branchTypes: readonly DataType[]) => unify('CASE', branchTypes)
