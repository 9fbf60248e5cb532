import { type DataType, T, typeToString } from '@ferris/core'
import { bound, semanticError } from '../bind-support.js'
import type { BoundFunction } from '../function-definition.js'
import { textFormatter } from '../text.js'

/**
 * `a || b`: string concatenation; NULL on either side gives NULL (use CONCAT to skip NULLs). One side
 * may be a non-string, written as CAST(x AS STRING) writes it ('id-' || 42 is 'id-42'), as PostgreSQL.
 */
export function bindConcatOperator(argTypes: readonly DataType[]): BoundFunction {
  if (argTypes.length !== 2) throw semanticError(`Operator || takes 2 operands, but ${argTypes.length} were given`)
  const l = argTypes[0]!
  const r = argTypes[1]!
  const stringy = (t: DataType) => t.kind === 'string' || t.kind === 'null'
  if (!stringy(l) && !stringy(r)) {
    throw semanticError(
      `Operator || needs a string on at least one side, got ${typeToString(l)} || ${typeToString(r)}`,
      {
        value: `${typeToString(l)} || ${typeToString(r)}`,
        expected: 'STRING || STRING (one side may be another type)',
        hint: 'CAST one operand to STRING, or use CONCAT(a, b)',
      },
    )
  }
  if (l.kind !== 'null' && r.kind !== 'null' && l.kind === 'string' && r.kind === 'string') {
    return bound(T.string, (args) => (args[0] as string) + (args[1] as string))
  }
  const fl = textFormatter(l, 'left operand of ||')
  const fr = textFormatter(r, 'right operand of ||')

  return bound(T.string, (args) => fl(args[0]!) + fr(args[1]!))
}
