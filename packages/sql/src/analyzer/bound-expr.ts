import type { DataType, Value } from '@ferris/core'
import type { BoundFunction } from '../functions/function-definition.js'
import type { Span } from '../parser/source-text.js'

/** Record metadata read as columns. */
export type MetaField = '_key' | '_timestamp' | '_partition' | '_offset' | '_topic'

interface Base {
  readonly type: DataType
  /** The expression as written, for EXPLAIN and messages. */
  readonly text: string
  readonly span: Span
}

/**
 * A typed, resolved expression: columns are field positions, functions and operators are bound to their
 * argument types. The execution layer compiles it into a closure once per query.
 */
export type BoundExpr =
  | (Base & { readonly kind: 'column'; readonly index: number; readonly name: string })
  | (Base & { readonly kind: 'meta'; readonly field: MetaField })
  | (Base & { readonly kind: 'literal'; readonly value: Value })
  | (Base & {
      readonly kind: 'call'
      readonly name: string
      readonly fn: BoundFunction
      readonly args: readonly BoundExpr[]
    })
  | (Base & { readonly kind: 'and' | 'or'; readonly args: readonly BoundExpr[] })
  | (Base & { readonly kind: 'not'; readonly arg: BoundExpr })
  | (Base & { readonly kind: 'is_null'; readonly arg: BoundExpr; readonly negated: boolean })
  /** `IS [NOT] DISTINCT FROM`: NULL-safe equality bound through `eq`. */
  | (Base & {
      readonly kind: 'distinct'
      readonly left: BoundExpr
      readonly right: BoundExpr
      readonly eq: BoundFunction
      readonly negated: boolean
    })
  | (Base & {
      readonly kind: 'case'
      readonly whens: ReadonlyArray<{ readonly condition: BoundExpr; readonly result: BoundExpr }>
      readonly otherwise?: BoundExpr
    })
  /** TRY_CAST: an evaluation error becomes NULL. */
  | (Base & { readonly kind: 'try'; readonly arg: BoundExpr })
  /** A widening conversion the analyzer inserted (INT to BIGINT in a CASE branch). */
  | (Base & { readonly kind: 'coerce'; readonly arg: BoundExpr; readonly convert: (v: Value) => Value })

/** True when evaluating `e` reads record metadata, so the engine must pass it. */
export function readsMeta(e: BoundExpr): boolean {
  switch (e.kind) {
    case 'meta':
      return true
    case 'call':
      return e.fn.readsMeta === true || e.args.some(readsMeta)
    case 'and':
    case 'or':
      return e.args.some(readsMeta)
    case 'not':
    case 'is_null':
    case 'try':
    case 'coerce':
      return readsMeta(e.arg)
    case 'distinct':
      return readsMeta(e.left) || readsMeta(e.right)
    case 'case':
      return (
        e.whens.some((w) => readsMeta(w.condition) || readsMeta(w.result)) ||
        (e.otherwise !== undefined && readsMeta(e.otherwise))
      )
    default:
      return false
  }
}
