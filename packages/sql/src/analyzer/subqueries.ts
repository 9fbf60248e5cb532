import type { CreateTableStatement, Expr, Query, Statement } from '../parser/ast.js'

/** The subqueries written in a query's expressions (select list, WHERE, GROUP BY, HAVING), not nested ones. */
export function subqueriesOf(query: Query): Query[] {
  const out: Query[] = []
  const visit = (e: Expr | undefined): void => {
    if (e === undefined) return
    if (e.kind === 'subquery' || e.kind === 'exists') {
      out.push(e.query)
      return
    }
    for (const child of childrenOf(e)) visit(child)
    if (e.kind === 'in_subquery') out.push(e.query)
  }
  for (const item of query.select) if (item.kind === 'expr') visit(item.expr)
  visit(query.where)
  query.groupBy.forEach(visit)
  visit(query.having)

  return out
}

/** The expressions directly inside `e` (not inside its subqueries). */
function childrenOf(e: Expr): Array<Expr | undefined> {
  switch (e.kind) {
    case 'in_subquery':
    case 'unary':
    case 'is_null':
    case 'cast':
      return [e.operand]
    case 'binary':
    case 'is_distinct':
      return [e.left, e.right]
    case 'between':
      return [e.operand, e.low, e.high]
    case 'in_list':
      return [e.operand, ...e.list]
    case 'like':
      return [e.operand, e.pattern, e.escape]
    case 'case':
      return [e.operand, ...e.whens.flatMap((w) => [w.condition, w.result]), e.else]
    case 'call':
      return [...e.args, e.filter]
    default:
      return []
  }
}

/**
 * `CREATE TABLE name AS SELECT ...` statements by lower-case name. Read as the table side of a join or in a
 * subquery, such a table is materialized from its query inside the job that reads it. The statement runs as
 * a job of its own only when a WITH key configures its name (`'name.uri' = ...`) as a sink.
 */
export function tableStatements(statements: readonly Statement[]): Map<string, CreateTableStatement> {
  const out = new Map<string, CreateTableStatement>()
  for (const st of statements) if (st.kind === 'create_table') out.set(st.name.name.toLowerCase(), st)

  return out
}
