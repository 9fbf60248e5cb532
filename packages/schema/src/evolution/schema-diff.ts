import type { DataType, Field, Schema } from '@ferris/core'
import { matchField } from './match-fields.js'
import { evolveType } from './type-evolution.js'

/**
 * How a field's type changed: `widened` (old values fit the new type), `narrowed` (new values fit the old
 * type but not the reverse), `incompatible` (neither), `unchanged`.
 */
export type TypeChangeKind = 'unchanged' | 'widened' | 'narrowed' | 'incompatible'

export interface FieldChange {
  readonly name: string
  readonly from: Field
  readonly to: Field
  readonly type: TypeChangeKind
  readonly nullability: 'unchanged' | 'relaxed' | 'tightened'
  /** The names differ only in case. */
  readonly renamedCase: boolean
  /** Positions (0-based) in the old and new schema, when they differ. */
  readonly moved?: { readonly from: number; readonly to: number }
  readonly docChanged: boolean
}

export interface SchemaDiff {
  readonly added: readonly Field[]
  readonly removed: readonly Field[]
  /** Fields present in both that changed in any way. */
  readonly changed: readonly FieldChange[]
  readonly identical: boolean
}

/** What changed between two schemas, field by field (matched by name as migrations match them). */
export function diffSchemas(previous: Schema, next: Schema): SchemaDiff {
  const added: Field[] = []
  const changed: FieldChange[] = []
  next.fields.forEach((to, j) => {
    const match = matchField(previous, to.name)
    if (match === undefined) {
      added.push(to)
      return
    }
    const { index, field: from } = match
    const type = typeChange(from.type, to.type)
    const nullability = from.nullable === to.nullable ? 'unchanged' : to.nullable ? 'relaxed' : 'tightened'
    const renamedCase = from.name !== to.name
    const docChanged = (from.doc ?? '') !== (to.doc ?? '')
    const moved = index === j ? undefined : { from: index, to: j }
    if (type !== 'unchanged' || nullability !== 'unchanged' || renamedCase || docChanged || moved !== undefined) {
      changed.push({
        name: to.name,
        from,
        to,
        type,
        nullability,
        renamedCase,
        docChanged,
        ...(moved === undefined ? {} : { moved }),
      })
    }
  })
  const removed = previous.fields.filter((f) => matchField(next, f.name) === undefined)

  return { added, removed, changed, identical: added.length === 0 && removed.length === 0 && changed.length === 0 }
}

function typeChange(from: DataType, to: DataType): TypeChangeKind {
  const forward = evolveType(from, to)
  if (forward.kind === 'same') return 'unchanged'
  if (forward.kind === 'widen') return 'widened'

  return evolveType(to, from).kind === 'widen' ? 'narrowed' : 'incompatible'
}
