import { type Field, Schema } from '@ferris/core'
import type { ExpressionBinder, Scope } from '../analyzer/bind-expression.js'
import type { BoundExpr } from '../analyzer/bound-expr.js'
import { parseDuration, type StatementEndpoints } from '../analyzer/endpoints.js'
import type { Expr, JoinSource, Query } from '../parser/ast.js'
import type { JoinNode, PlanNode } from './logical-plan.js'
import type { TablePlanner } from './table-plan.js'

/**
 * A join whose right side is a table of the job (`TablePlanner`): a bounded source, a declared table kept
 * current by its changes, or a `CREATE TABLE ... AS SELECT`. A stream-to-stream interval join keeps both
 * sides as streams.
 */
export function planTableJoin(
  from: JoinSource,
  query: Query,
  schemas: Record<string, Schema>,
  binder: ExpressionBinder,
  endpoints?: StatementEndpoints,
  tables?: TablePlanner,
): { node: PlanNode; scope: Scope; streamName: string } {
  if (tables === undefined || from.left.kind === 'join' || from.right.kind === 'join') {
    return planJoin(from, query, schemas, binder, endpoints)
  }
  const left = tables.nameOf(from.left)
  const right = tables.nameOf(from.right)
  const ctas = tables.isTableQuery(right) ? tables.resolve(from.right) : undefined
  const pair: Record<string, Schema> = { [left]: schemas[left]!, [right]: ctas?.schema ?? schemas[right]! }
  const planned = planJoin(from, query, pair, binder, endpoints)
  if (planned.node.kind === 'join' && planned.node.interval === undefined) {
    const table = ctas ?? tables.resolve(from.right)
    if ((from.type === 'right' || from.type === 'full') && (table.live || table.key !== undefined || table.query)) {
      throw binder.unsupported(
        from.span,
        `A ${from.type.toUpperCase()} join with table ${table.name}, which changes by key,`,
      )
    }
  } else if (ctas !== undefined) {
    throw binder.error(from.right.span, `Table ${right} cannot be the second stream of a stream-to-stream join`, {
      value: right,
      hint: 'Join it by key only (ON s.id = t.id) to look rows up in it',
    })
  }

  return planned
}

/**
 * Plans `FROM stream [LEFT] JOIN table ON ...`: the left side is the stream, the right side a bounded source
 * loaded as a lookup table. ON is split at AND: every `stream expression = table expression` becomes a key of
 * the hash lookup; whatever else ON says is checked on each matching pair.
 */
export function planJoin(
  from: JoinSource,
  query: Query,
  schemas: Record<string, Schema>,
  binder: ExpressionBinder,
  endpoints?: StatementEndpoints,
): { node: PlanNode; scope: Scope; streamName: string } {
  if (from.type === 'cross') throw binder.unsupported(from.span, 'A CROSS JOIN of a stream')
  if (from.within !== undefined) {
    throw binder.unsupported(
      from.within.span,
      "WITHIN (write the bound in ON: r.t BETWEEN s.t AND s.t + INTERVAL '1' HOUR)",
    )
  }
  const sides = [from.left, from.right]
  for (const side of sides) {
    if (side.kind === 'join' || side.kind === 'subquery') {
      throw binder.unsupported(side.span, 'A join of more than two sources, or of a subquery,')
    }
  }
  for (const item of query.select) {
    if (item.kind === 'star' && item.qualifier !== undefined)
      throw binder.unsupported(item.span, `${item.qualifier.name}.* in a join`)
  }
  const [streamName, tableName] = Object.keys(schemas) as [string, string]
  const streamSchema = schemas[streamName]!
  const tableSchema = schemas[tableName]!
  const qualifiersOf = (side: JoinSource['left'], name: string) => [
    side.kind === 'named' ? side.name.name : name,
    ...(side.kind !== 'join' && side.alias !== undefined ? [side.alias.name] : []),
  ]
  const streamScope: Scope = { schema: streamSchema, qualifiers: qualifiersOf(from.left, streamName) }
  const tableScope: Scope = { schema: tableSchema, qualifiers: qualifiersOf(from.right, tableName) }
  const padStream = from.type === 'right' || from.type === 'full'
  const padTable = from.type === 'left' || from.type === 'full'
  const fields: Field[] = [
    ...streamSchema.fields.map((f) => (padStream ? { ...f, nullable: true } : f)),
    ...tableSchema.fields.map((f) => (padTable ? { ...f, nullable: true } : f)),
  ]
  const schema = new Schema(fields)
  const joined: Scope = {
    schema,
    qualifiers: [...streamScope.qualifiers, ...tableScope.qualifiers],
    relations: [
      { qualifiers: streamScope.qualifiers, start: 0, end: streamSchema.length },
      { qualifiers: tableScope.qualifiers, start: streamSchema.length, end: fields.length },
    ],
  }
  const streamKeys: BoundExpr[] = []
  const tableKeys: BoundExpr[] = []
  const rest: BoundExpr[] = []
  const tryBind = (e: Expr, scope: Scope): BoundExpr | undefined => {
    try {
      return binder.bind(e, scope)
    } catch {
      return undefined
    }
  }
  if (from.using !== undefined) {
    for (const id of from.using) {
      const col: Expr = { kind: 'column', name: id, span: id.span }
      streamKeys.push(binder.bind(col, streamScope))
      tableKeys.push(binder.bind(col, tableScope))
    }
  }
  const conjuncts: Expr[] = []
  const split = (e: Expr): void => {
    if (e.kind === 'binary' && e.op === 'AND') {
      split(e.left)
      split(e.right)
    } else conjuncts.push(e)
  }
  if (from.on !== undefined) split(from.on)
  let interval: JoinNode['interval']
  for (const c of conjuncts) {
    if (c.kind === 'between' && !c.negated && interval === undefined) {
      const tableTime = tryBind(c.operand, tableScope)
      const low = tableTime === undefined ? undefined : timeBound(c.low, streamScope)
      const high = low === undefined ? undefined : timeBound(c.high, streamScope)
      if (tableTime !== undefined && low !== undefined && high !== undefined && low.time.text === high.time.text) {
        for (const t of [tableTime, low.time]) {
          if (t.type.kind !== 'timestamp') {
            throw binder.error(
              t.span,
              `The time bound of a stream-to-stream join compares TIMESTAMPs, but ${t.text} is ${t.type.kind.toUpperCase()}`,
              {
                value: t.text,
              },
            )
          }
        }
        if (from.type !== 'inner')
          throw binder.unsupported(from.span, `A ${from.type.toUpperCase()} stream-to-stream join`)
        let delay = 0n
        for (const ep of endpoints?.sources ?? []) {
          const d = ep.engineProperties?.['watermark.delay']
          if (d === undefined) continue
          const ms = parseDuration(d.value)
          if (ms === undefined) {
            throw binder.error(d.span ?? from.span, `'${ep.name}.watermark.delay' = '${d.value}' is not a duration`, {
              value: d.value,
              expected: 'a duration such as 0, 500ms, 10s, 1m',
            })
          }
          if (BigInt(ms) * 1_000_000n > delay) delay = BigInt(ms) * 1_000_000n
        }
        interval = { streamTime: low.time, tableTime, lower: low.offset, upper: high.offset, delay }
      }
    }
    if (c.kind === 'binary' && c.op === '=') {
      const pairs: Array<[Expr, Expr]> = [
        [c.left, c.right],
        [c.right, c.left],
      ]
      let matched = false
      for (const [s, t] of pairs) {
        const sk = tryBind(s, streamScope)
        const tk = sk === undefined ? undefined : tryBind(t, tableScope)
        if (sk !== undefined && tk !== undefined) {
          streamKeys.push(sk)
          tableKeys.push(tk)
          matched = true
          break
        }
      }
      if (matched) continue
    }
    const bound = binder.bind(c, joined)
    binder.requireBoolean(bound, 'ON')
    rest.push(bound)
  }
  if (streamKeys.length === 0) {
    throw binder.error(
      from.on?.span ?? from.span,
      'A stream-to-table join needs at least one equality between a stream column and a table column',
      {
        hint: `Write for example ON ${streamScope.qualifiers[0]}.id = ${tableScope.qualifiers[0]}.id`,
      },
    )
  }
  const residual =
    rest.length === 0
      ? undefined
      : rest.length === 1
        ? rest[0]!
        : rest.slice(1).reduce<BoundExpr>(
            (acc, e) => ({
              kind: 'and',
              args: [acc, e],
              type: acc.type,
              text: `${acc.text} AND ${e.text}`,
              span: acc.span,
            }),
            rest[0]!,
          )
  const scan: PlanNode = { kind: 'scan', source: streamName, qualifiers: streamScope.qualifiers, schema: streamSchema }
  const node: JoinNode = {
    kind: 'join',
    input: scan,
    type: from.type,
    table: { source: tableName, schema: tableSchema },
    streamKeys,
    tableKeys,
    ...(residual === undefined ? {} : { residual }),
    ...(interval === undefined ? {} : { interval }),
    schema,
  }

  return { node, scope: joined, streamName }

  /** `s.t`, `s.t + INTERVAL '1' HOUR` or `s.t - 5m`: the stream's time column and a fixed offset. */
  function timeBound(e: Expr, scope: Scope): { time: BoundExpr; offset: bigint } | undefined {
    const fixed = (x: Expr): bigint | undefined =>
      x.kind === 'interval' && x.months === 0 ? BigInt(x.days) * 86_400_000_000_000n + x.nanos : undefined
    if (e.kind === 'column') {
      const time = tryBind(e, scope)
      return time === undefined ? undefined : { time, offset: 0n }
    }
    if (e.kind === 'binary' && (e.op === '+' || e.op === '-') && e.left.kind === 'column') {
      const n = fixed(e.right)
      const time = n === undefined ? undefined : tryBind(e.left, scope)
      return time === undefined || n === undefined ? undefined : { time, offset: e.op === '+' ? n : -n }
    }
    return undefined
  }
}
