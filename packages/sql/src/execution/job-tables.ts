import type { JsonValue } from '@ferris/core'
import type { SubquerySpec, TableInput } from '../planner/logical-plan.js'
import type { MutableEvalContext } from './compile-expression.js'
import { SubqueryEvaluator } from './subquery-evaluator.js'
import { TableState } from './table-state.js'

/**
 * The tables of one job and the subqueries that read them. Creating it puts the subquery evaluators on the
 * evaluation context, where the bound subquery functions find them by id.
 */
export class JobTables {
  readonly states: ReadonlyMap<string, TableState>

  constructor(
    job: { readonly tables?: readonly TableInput[]; readonly subqueries?: readonly SubquerySpec[] },
    context: MutableEvalContext,
  ) {
    const states = new Map<string, TableState>()
    for (const t of job.tables ?? []) states.set(t.name, new TableState(t))
    this.states = states
    const evaluators = new Map<number, SubqueryEvaluator>()
    for (const spec of job.subqueries ?? []) {
      evaluators.set(spec.id, new SubqueryEvaluator(spec, context, states.get(spec.table)!))
    }
    ;(context as MutableEvalContext & { subqueries?: ReadonlyMap<number, SubqueryEvaluator> }).subqueries = evaluators
  }

  /** The rows of the tables kept current by their changes (the others are read again on restart). */
  snapshot(): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {}
    for (const [name, state] of this.states) if (state.input.live) out[name] = state.snapshot()

    return out
  }

  restore(state: Readonly<Record<string, JsonValue>> | undefined): void {
    for (const [name, s] of Object.entries(state ?? {})) {
      const table = this.states.get(name)
      if (table?.input.live === true) table.restore(s)
    }
  }
}
