import { type DataType, type Schema, T } from '@ferris/core'
import { bindAggregate } from '../analyzer/aggregate-functions.js'
import { AGGREGATE_FUNCTIONS, type ExpressionBinder, type Scope } from '../analyzer/bind-expression.js'
import type { BoundExpr } from '../analyzer/bound-expr.js'
import type { StatementEndpoints } from '../analyzer/endpoints.js'
import { subqueriesOf, tableStatements } from '../analyzer/subqueries.js'
import type { BoundFunction, EvalContext } from '../functions/function-definition.js'
import type { Application, Expr, FromItem, Identifier, Query, Statement } from '../parser/ast.js'
import type { SourceText } from '../parser/source-text.js'
import type { PlanNode, SubquerySpec, TableInput } from './logical-plan.js'

/** What the runner hands a subquery's bound function: the evaluator of each subquery, by id. */
export interface SubqueryContext extends EvalContext {
  subqueries?: ReadonlyMap<number, { evaluate(args: readonly unknown[]): unknown }>
}

type SubqueryExpr = Expr & { kind: 'subquery' | 'exists' | 'in_subquery' }

export interface TablePlannerSetup {
  readonly app: Application
  readonly source: SourceText
  readonly statement: Statement
  readonly endpoints: StatementEndpoints
  readonly schemas: Readonly<Record<string, Schema>>
  readonly binder: ExpressionBinder
  /** Whether each source ends; undefined when unknown (no registry), which counts as bounded. */
  readonly bounded: ReadonlyMap<string, boolean | undefined>
  /** Plans a `CREATE TABLE ... AS SELECT` query over its source. */
  readonly planQuery: (query: Query, st: Statement, schemas: Record<string, Schema>) => PlanNode
}

/**
 * Resolves the tables a statement reads beside its stream (a join's table side, the FROM of a subquery) and
 * binds subqueries against them. A table is a bounded source, a source declared `CREATE TABLE name (...)`
 * (kept current by its change stream when it does not end), or a `CREATE TABLE name AS SELECT ...`.
 */
export class TablePlanner {
  readonly tables: TableInput[] = []
  readonly subqueries: SubquerySpec[] = []
  readonly #s: TablePlannerSetup
  readonly #ctas: ReturnType<typeof tableStatements>
  #depth = 0

  constructor(setup: TablePlannerSetup) {
    this.#s = setup
    this.#ctas = tableStatements(setup.app.statements)
    setup.binder.subqueries = (e, scope) => this.#bindSubquery(e, scope)
  }

  /** True when `name` is a `CREATE TABLE ... AS SELECT` of another statement that no WITH key configures. */
  isTableQuery(name: string): boolean {
    const ctas = this.#ctas.get(name.toLowerCase())
    return ctas !== undefined && ctas !== this.#s.statement && this.#s.schemas[name] === undefined
  }

  /** The endpoint name of a FROM item (a URI source's is derived). */
  nameOf(item: FromItem): string {
    if (item.kind === 'named') return item.name.name
    if (item.kind === 'uri') return item.alias?.name ?? this.#uriName(item)
    return ''
  }

  /** The table a FROM item names, planned once per job. */
  resolve(item: FromItem): TableInput {
    const { binder, schemas, source } = this.#s
    if (item.kind === 'join' || item.kind === 'subquery') {
      throw binder.unsupported(item.span, 'A join or a subquery as a table')
    }
    const name = item.kind === 'named' ? item.name.name : (item.alias?.name ?? this.#uriName(item))
    const known = this.tables.find((t) => t.name.toLowerCase() === name.toLowerCase())
    if (known !== undefined) return known
    const ctas = item.kind === 'named' ? this.#ctas.get(name.toLowerCase()) : undefined
    let table: TableInput
    if (ctas !== undefined && ctas !== this.#s.statement) {
      const from = ctas.query.from
      if (from.kind !== 'named' && from.kind !== 'uri') {
        throw binder.unsupported(from.span, `A join or subquery in the query of table ${ctas.name.name}`)
      }
      const inner = ctas.query
      const sub = subqueriesOf(inner)[0]
      if (sub !== undefined) throw binder.unsupported(sub.span, `A subquery in the query of table ${ctas.name.name}`)
      const scanName = from.kind === 'named' ? from.name.name : (from.alias?.name ?? this.#uriName(from))
      const query = this.#s.planQuery(inner, ctas, { [scanName]: schemas[scanName]! })
      let scan = query
      while (scan.kind !== 'scan') scan = scan.input
      const keyNames = ctas.primaryKey ?? []
      let key = keyNames.length > 0 ? keyNames.map((k) => this.#column(query.schema, k, ctas.name.name)) : undefined
      if (key === undefined && inner.groupBy.length > 0) key = groupKeyColumns(query, ctas, binder)
      const live = this.#s.bounded.get(scanName) === false
      if (live && key === undefined) {
        throw binder.error(
          ctas.name.span,
          `Table ${ctas.name.name} reads a source that does not end, but has no key its changes replace rows by`,
          {
            value: ctas.name.name,
            hint: `Group it (GROUP BY ...) or declare its key: CREATE TABLE ${ctas.name.name} (PRIMARY KEY (id)) AS SELECT ...`,
          },
        )
      }
      table = {
        name: ctas.name.name,
        source: scan.source,
        sourceSchema: scan.schema,
        schema: query.schema,
        ...(key === undefined ? {} : { key }),
        live,
        query,
      }
    } else {
      const schema = schemas[name]
      if (schema === undefined) throw binder.error(item.span, `Unknown table ${name}`, { value: name })
      const lower = name.toLowerCase()
      const declaration = this.#s.app.declarations?.find((d) =>
        d.name.quoted ? d.name.name === name : d.name.name.toLowerCase() === lower,
      )
      const bounded = this.#s.bounded.get(name) !== false
      if (!bounded && declaration?.table !== true) {
        throw source.error('FERRIS_SQL_SEMANTIC', item.span, `${name} is a stream, but it is read here as a table`, {
          value: name,
          expected: 'a bounded source, a source declared with CREATE TABLE, or a CREATE TABLE ... AS SELECT',
          hint: `Joins look rows up in tables and subqueries read tables. Declare ${name} as a table kept current by its change stream: CREATE TABLE ${name} (id BIGINT PRIMARY KEY, ...) WITH (...), or put the stream on the left of the JOIN`,
        })
      }
      const keyNames = declaration?.primaryKey ?? []
      const key = keyNames.length > 0 ? keyNames.map((k) => this.#column(schema, k, name)) : undefined
      if (!bounded && key === undefined) {
        throw source.error('FERRIS_SQL_SEMANTIC', declaration!.name.span, `Table ${name} has no PRIMARY KEY`, {
          value: name,
          hint: `A table kept current by its change stream replaces and deletes rows by key: CREATE TABLE ${name} (id BIGINT PRIMARY KEY, ...)`,
        })
      }
      table = {
        name,
        source: name,
        sourceSchema: schema,
        schema,
        ...(key === undefined ? {} : { key }),
        live: !bounded,
      }
    }
    this.tables.push(table)

    return table
  }

  #uriName(item: FromItem): string {
    // The name collectEndpoints gave the anonymous source: found by its position among the statement's sources.
    const ep = this.#s.endpoints.sources.find((s) => s.span.start === item.span.start)
    return ep?.name ?? 'source'
  }

  #column(schema: Schema, id: Identifier, table: string): number {
    const at = schema.indexOf(id.name, id.quoted)
    if (at < 0) {
      throw this.#s.binder.error(id.span, `The key column ${id.name} is not a column of ${table}`, {
        value: id.name,
        expected: `one of ${schema.names.join(', ')}`,
      })
    }
    return at
  }

  /** Whether `e` names a column of the outer row (its conjunct is then a correlation the engine cannot run). */
  #readsOuter(e: Expr, inner: Scope, outer: Scope): boolean {
    const columns: Expr[] = []
    const walk = (x: unknown): void => {
      if (x === null || typeof x !== 'object') return
      if ((x as Expr).kind === 'column') columns.push(x as Expr)
      else if ((x as Expr).kind !== 'subquery' && (x as Expr).kind !== 'exists' && !('select' in (x as object)))
        for (const v of Object.values(x as object)) walk(v)
    }
    walk(e)
    const binds = (c: Expr, scope: Scope) => {
      try {
        this.#s.binder.bind(c, scope)
        return true
      } catch {
        return false
      }
    }
    // SQL resolves a name in the subquery's own table first.
    return columns.some((c) => !binds(c, inner) && binds(c, outer))
  }

  #bindSubquery(e: SubqueryExpr, outer: Scope): BoundExpr {
    const { binder } = this.#s
    const q = e.query
    const text = binder.text(e.span)
    if (this.#depth > 0) throw binder.unsupported(e.span, 'A subquery inside a subquery')
    const kind = e.kind === 'in_subquery' ? 'in' : e.kind === 'exists' ? 'exists' : 'scalar'
    const clause = q.groupBy[0] ?? q.having ?? q.window ?? q.orderBy[0]
    if (clause !== undefined)
      throw binder.unsupported(clause.span, 'GROUP BY, HAVING, WINDOW or ORDER BY in a subquery')
    if (q.limit !== undefined) throw binder.unsupported(q.limit.span, 'LIMIT in a subquery')
    if (q.distinct && kind === 'scalar') throw binder.unsupported(q.span, 'SELECT DISTINCT in a scalar subquery')
    const table = this.resolve(q.from)
    const from = q.from as FromItem & { alias?: Identifier }
    const inner: Scope = {
      schema: table.schema,
      qualifiers: [table.name, ...(from.alias === undefined ? [] : [from.alias.name])],
    }
    this.#depth++
    try {
      const tryBind = (x: Expr, scope: Scope): BoundExpr | undefined => {
        try {
          return binder.bind(x, scope)
        } catch {
          return undefined
        }
      }
      const conjuncts: Expr[] = []
      const split = (x: Expr): void => {
        if (x.kind === 'binary' && x.op === 'AND') {
          split(x.left)
          split(x.right)
        } else conjuncts.push(x)
      }
      if (q.where !== undefined) split(q.where)
      const filters: BoundExpr[] = []
      const innerKeys: BoundExpr[] = []
      const outerKeys: BoundExpr[] = []
      for (const c of conjuncts) {
        const asFilter = tryBind(c, inner)
        if (asFilter !== undefined) {
          binder.requireBoolean(asFilter, 'WHERE')
          filters.push(asFilter)
          continue
        }
        let correlated = false
        if (c.kind === 'binary' && c.op === '=') {
          for (const [a, b] of [
            [c.left, c.right],
            [c.right, c.left],
          ] as const) {
            const i = tryBind(a, inner)
            const o = i === undefined || tryBind(b, inner) !== undefined ? undefined : tryBind(b, outer)
            if (i !== undefined && o !== undefined) {
              binder.equality(i, o, c.span)
              if (family(i.type) !== family(o.type)) {
                throw binder.error(
                  c.span,
                  `A subquery correlates on values of one kind, but ${i.text} is ${i.type.kind.toUpperCase()} and ${o.text} is ${o.type.kind.toUpperCase()}`,
                  { value: binder.text(c.span), hint: `CAST one side to the other's type` },
                )
              }
              innerKeys.push(i)
              outerKeys.push(o)
              correlated = true
              break
            }
          }
        }
        if (correlated) continue
        // Neither a filter on the table nor an equality with the outer row: say which.
        try {
          binder.bind(c, inner)
        } catch (error) {
          if (!this.#readsOuter(c, inner, outer)) throw error
          throw binder.error(
            c.span,
            `A subquery may refer to the outer row only in equalities (t.id = s.id) joined by AND; ${binder.text(c.span)} is not one`,
            {
              value: binder.text(c.span),
              hint: `Write the condition on ${table.name}'s columns alone, or as ${table.name}.column = outer column`,
            },
          )
        }
      }
      const filter = filters.length === 0 ? undefined : filters.length === 1 ? filters[0] : andOf(filters)
      const items = q.select
      if (kind !== 'exists' && (items.length !== 1 || items[0]!.kind !== 'expr')) {
        throw binder.error(q.span, `A subquery used as a value selects exactly one column`, {
          value: binder.text(q.span),
          hint:
            kind === 'in'
              ? `Write x IN (SELECT id FROM ${table.name} ...)`
              : `Write (SELECT max(v) FROM ${table.name})`,
        })
      }
      const item = items[0]!
      const base = {
        id: this.subqueries.length,
        kind,
        negated: e.kind === 'subquery' ? false : e.negated,
        table: table.name,
        ...(filter === undefined ? {} : { filter }),
        inner: innerKeys,
        outer: outerKeys,
        text,
      } as const
      let spec: SubquerySpec
      let operand: BoundExpr | undefined
      let type: DataType = T.boolean
      if (kind === 'exists' || item.kind !== 'expr') spec = base
      else if (kind === 'in') {
        const value = binder.bind(item.expr, inner)
        operand = binder.bind((e as Expr & { kind: 'in_subquery' }).operand, outer)
        spec = {
          ...base,
          value,
          eq: binder.equality(operand, value, e.span),
          hashed: family(operand.type) === family(value.type),
        }
      } else {
        const x = item.expr
        if (x.kind === 'call' && AGGREGATE_FUNCTIONS.has(x.name.name.toUpperCase()) && x.over === undefined) {
          const name = x.name.name.toUpperCase()
          if (x.filter !== undefined || x.args.length > 1 || (x.args.length === 0 && !x.star)) {
            throw binder.unsupported(x.span, `${name} with FILTER or several arguments in a subquery`)
          }
          const arg = x.star ? undefined : binder.bind(x.args[0]!, inner)
          const aggregate = binder.at(x.span, () => bindAggregate(name, arg?.type, x.distinct, undefined))
          spec = { ...base, aggregate: { aggregate, ...(arg === undefined ? {} : { arg }), distinct: x.distinct } }
          type = aggregate.type
        } else {
          const value = binder.bind(x, inner)
          spec = { ...base, value }
          type = value.type
        }
      }
      this.subqueries.push(spec)
      const fn: BoundFunction = {
        type,
        nullable: true,
        propagatesNull: false,
        evaluate(args, context) {
          const evaluator = (context as SubqueryContext).subqueries?.get(spec.id)
          if (evaluator === undefined) throw new Error(`Subquery ${spec.id} has no evaluator`)
          return evaluator.evaluate(args) as never
        },
      }
      const args = [...(operand === undefined ? [] : [operand]), ...outerKeys]

      return { kind: 'call', name: 'SUBQUERY', fn, args, type, text, span: e.span }
    } finally {
      this.#depth--
    }
  }
}

/** Values of one family hash alike when SQL calls them equal (INT and BIGINT; decimals of any scale). */
function family(t: DataType): string {
  return t.kind === 'int32' || t.kind === 'int64' ? 'int' : t.kind
}

function andOf(parts: BoundExpr[]): BoundExpr {
  return parts
    .slice(1)
    .reduce<BoundExpr>(
      (acc, x) => ({ kind: 'and', args: [acc, x], type: T.boolean, text: `${acc.text} AND ${x.text}`, span: acc.span }),
      parts[0]!,
    )
}

/** The output columns of a grouped query that are its GROUP BY keys: the table's key. */
function groupKeyColumns(root: PlanNode, st: Statement & { kind: 'create_table' }, binder: ExpressionBinder): number[] {
  let node = root
  while (node.kind === 'limit' || node.kind === 'filter') node = node.input
  const project = node.kind === 'project' ? node : undefined
  let agg = project?.input ?? node
  while (agg.kind === 'filter') agg = agg.input
  if (agg.kind !== 'aggregate') return []
  const out: number[] = []
  for (let k = 0; k < agg.keys.length; k++) {
    const at = project === undefined ? k : project.exprs.findIndex((e) => e.kind === 'column' && e.index === k)
    if (at < 0) {
      throw binder.error(
        st.query.groupBy[k]!.span,
        `Table ${st.name.name} is keyed by its GROUP BY columns, but it does not select ${binder.text(st.query.groupBy[k]!.span)}`,
        {
          value: binder.text(st.query.groupBy[k]!.span),
          hint: 'Select every GROUP BY column, or declare the key: CREATE TABLE t (PRIMARY KEY (id)) AS SELECT ...',
        },
      )
    }
    out.push(at)
  }

  return out
}
