import type { Expr } from '../../src/parser/ast.js'

/** A fully parenthesised rendering of an expression tree, so precedence is visible in a test. */
export function show(e: Expr): string {
  switch (e.kind) {
    case 'column':
      return e.qualifier === undefined ? e.name.name : `${e.qualifier.name}.${e.name.name}`
    case 'literal':
      return e.type === 'string'
        ? `'${e.value}'`
        : e.type === 'date' || e.type === 'timestamp'
          ? `${e.type}'${e.value}'`
          : e.value
    case 'interval':
      return `interval(${e.months}m,${e.days}d,${e.nanos}ns)`
    case 'unary':
      return `(${e.op} ${show(e.operand)})`
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`
    case 'is_null':
      return `(${show(e.operand)} IS ${e.negated ? 'NOT ' : ''}NULL)`
    case 'is_distinct':
      return `(${show(e.left)} IS ${e.negated ? 'NOT ' : ''}DISTINCT FROM ${show(e.right)})`
    case 'between':
      return `(${show(e.operand)} ${e.negated ? 'NOT ' : ''}BETWEEN ${show(e.low)} AND ${show(e.high)})`
    case 'in_list':
      return `(${show(e.operand)} ${e.negated ? 'NOT ' : ''}IN [${e.list.map(show).join(', ')}])`
    case 'in_subquery':
      return `(${show(e.operand)} ${e.negated ? 'NOT ' : ''}IN subquery)`
    case 'like':
      return `(${show(e.operand)} ${e.negated ? 'NOT ' : ''}${e.caseInsensitive ? 'ILIKE' : 'LIKE'} ${show(e.pattern)}${e.escape === undefined ? '' : ` ESCAPE ${show(e.escape)}`})`
    case 'case':
      return `CASE${e.operand === undefined ? '' : ` ${show(e.operand)}`}${e.whens.map((w) => ` WHEN ${show(w.condition)} THEN ${show(w.result)}`).join('')}${e.else === undefined ? '' : ` ELSE ${show(e.else)}`} END`
    case 'cast':
      return `${e.safe ? 'TRY_CAST' : 'CAST'}(${show(e.operand)} AS ${e.target.text})`
    case 'call':
      return `${e.name.name}(${e.distinct ? 'DISTINCT ' : ''}${e.star ? '*' : e.args.map(show).join(', ')})${e.filter === undefined ? '' : ` FILTER(${show(e.filter)})`}${e.over === undefined ? '' : ' OVER(...)'}`
    case 'subquery':
      return '(subquery)'
    case 'exists':
      return `${e.negated ? 'NOT ' : ''}EXISTS(subquery)`
  }
}
