import { type Field, Schema } from '@ferris/core'
import type { ExpressionBinder, Scope } from '../analyzer/bind-expression.js'
import type { BoundExpr } from '../analyzer/bound-expr.js'
import { parseDuration, type StatementEndpoints } from '../analyzer/endpoints.js'
import type { Expr, FromItem, JoinSource, Query } from '../parser/ast.js'
import type { JoinNode, PlanNode, TableInput } from './logical-plan.js'
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
  if (tables === undefined) return planJoin(from, query, schemas, binder, endpoints)
  // A left-deep chain (`s JOIN a ON ... JOIN b ON ...`): the stream, then one right side per join. A join nested
  // on a right side is left to planJoin, which refuses it with its own message.
  const chain: JoinSource[] = []
  let item: FromItem = from
  while (item.kind === 'join') {
    if (item.right.kind === 'join') return planJoin(from, query, schemas, binder, endpoints)
    chain.unshift(item)
    item = item.left
  }
  const rights = chain.map((j) => ({ join: j, name: tables.nameOf(j.right) }))
  const ctas = new Map<string, TableInput>()
  for (const r of rights) if (tables.isTableQuery(r.name)) ctas.set(r.name, tables.resolve(r.join.right))
  // planJoin pairs schemas with the FROM leaves in order: the stream first, then each right side.
  const ordered: Record<string, Schema> = {}
  for (const name of [tables.nameOf(item), ...rights.map((r) => r.name)])
    ordered[name] = ctas.get(name)?.schema ?? schemas[name]!
  const planned = planJoin(from, query, ordered, binder, endpoints)
  const joins = new Map<string, JoinNode>()
  for (let n: PlanNode = planned.node; n.kind !== 'scan'; n = n.input)
    if (n.kind === 'join') joins.set(n.table.source, n)
  for (const r of rights) {
    const node = joins.get(r.name)
    const table = ctas.get(r.name)
    if (node !== undefined && node.interval === undefined) {
      const input = table ?? tables.resolve(r.join.right)
      if (
        (r.join.type === 'right' || r.join.type === 'full') &&
        (input.live || input.key !== undefined || input.query)
      ) {
        throw binder.unsupported(
          r.join.span,
          `A ${r.join.type.toUpperCase()} join with table ${input.name}, which changes by key,`,
        )
      }
    } else if (table !== undefined) {
      throw binder.error(r.join.right.span, `Table ${r.name} cannot be the second stream of a stream-to-stream join`, {
        value: r.name,
        hint: 'Join it by key only (ON s.id = t.id) to look rows up in it',
      })
    }
  }

  return planned
}

/** A planned part of FROM: its operator tree and the scope its columns are bound in. */
interface Planned {
  readonly node: PlanNode
  readonly scope: Scope
}

const NANOS_PER_MS = 1_000_000n

/**
 * Plans `FROM stream [LEFT|RIGHT|FULL] JOIN table ON ... [JOIN table2 ON ...]`: the leftmost source is the
 * stream, every other a bounded source loaded as a lookup table, joined one after another (each ON may use the
 * columns of every source before it). ON is split at AND: every `left expression = right expression` becomes a
 * key of the hash lookup; whatever else ON says is checked on each matching pair.
 *
 * When the first join's ON also bounds the right side's time by the left side's
 * (`r.t BETWEEN s.t + lower AND s.t + upper`), its right side is a second stream: an interval join, which may
 * be followed by lookup joins. Other shapes (a join nested on the right, two interval joins, an interval join
 * after a lookup join, a source joined twice) fail with what to write instead.
 */
export function planJoin(
  from: JoinSource,
  query: Query,
  schemas: Record<string, Schema>,
  binder: ExpressionBinder,
  endpoints?: StatementEndpoints,
): { node: PlanNode; scope: Scope; streamName: string } {
  for (const item of query.select) {
    if (item.kind === 'star' && item.qualifier !== undefined)
      throw binder.unsupported(item.span, `${item.qualifier.name}.* in a join`)
  }
  const names = Object.keys(schemas)
  const leaves: FromItem[] = []
  const collect = (item: FromItem): void => {
    if (item.kind === 'join') {
      collect(item.left)
      collect(item.right)
    } else leaves.push(item)
  }
  collect(from)
  if (leaves.length !== names.length) {
    // The schemas are keyed by source name: a source named twice collapsed into one.
    const seen = new Set<string>()
    for (const leaf of leaves) {
      const name = leaf.kind === 'named' ? leaf.name.name.toLowerCase() : undefined
      if (name === undefined) continue
      if (seen.has(name)) {
        throw binder.error(leaf.span, `Source "${binder.text(leaf.span)}" is joined twice; that is not supported yet`, {
          value: binder.text(leaf.span),
          hint: `Configure a second source with the same connection under another name (e.g. '${name}_2.uri' = '...') and join that one`,
        })
      }
      seen.add(name)
    }
    throw binder.error(from.span, 'A source is joined twice in this FROM; that is not supported yet', {
      hint: 'Give each joined source its own name (a second source with the same connection, or another alias)',
    })
  }
  let next = 0
  const leaf = (item: FromItem): { name: string; scope: Scope } => {
    const name = names[next++]!
    const qualifiers = [
      item.kind === 'named' ? item.name.name : name,
      ...(item.kind !== 'join' && item.alias !== undefined ? [item.alias.name] : []),
    ]

    return { name, scope: { schema: schemas[name]!, qualifiers } }
  }
  let streamName = ''
  const planFrom = (j: JoinSource): Planned => {
    if (j.type === 'cross') throw binder.unsupported(j.span, 'A CROSS JOIN of a stream')
    if (j.within !== undefined) {
      throw binder.unsupported(
        j.within.span,
        "WITHIN (write the bound in ON: r.t BETWEEN s.t AND s.t + INTERVAL '1' HOUR)",
      )
    }
    for (const side of [j.left, j.right]) {
      if (side.kind === 'subquery') throw binder.unsupported(side.span, 'A subquery as a side of a join')
    }
    if (j.right.kind === 'join') {
      throw binder.error(j.right.span, 'A join whose right side is itself a join is not supported yet', {
        value: binder.text(j.right.span),
        hint: 'Write the joins one after another, each adding one source: FROM a JOIN b ON ... JOIN c ON ...',
      })
    }
    let left: Planned
    if (j.left.kind === 'join') left = planFrom(j.left)
    else {
      const first = leaf(j.left)
      streamName = first.name
      left = {
        node: { kind: 'scan', source: first.name, qualifiers: first.scope.qualifiers, schema: first.scope.schema },
        scope: first.scope,
      }
    }
    const right = leaf(j.right)

    return joinOne(j, left, right.name, right.scope, binder, endpoints, [streamName, right.name])
  }
  const planned = planFrom(from)

  return { node: planned.node, scope: planned.scope, streamName }
}

/** Joins one more source (a table, or the second stream of an interval join) to what FROM built so far. */
function joinOne(
  from: JoinSource,
  left: Planned,
  tableName: string,
  tableScope: Scope,
  binder: ExpressionBinder,
  endpoints: StatementEndpoints | undefined,
  streams: readonly [string, string],
): Planned {
  const streamScope = left.scope
  const streamSchema = streamScope.schema
  const tableSchema = tableScope.schema
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
      ...(streamScope.relations ?? [{ qualifiers: streamScope.qualifiers, start: 0, end: streamSchema.length }]),
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
              { value: t.text },
            )
          }
        }
        if (left.node.kind !== 'scan') throw intervalAfterJoin(c, left.node)
        interval = intervalSpec(low.time, tableTime, low.offset, high.offset, from, streams)
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
  const node: JoinNode = {
    kind: 'join',
    input: left.node,
    type: from.type as JoinNode['type'],
    table: { source: tableName, schema: tableSchema },
    streamKeys,
    tableKeys,
    ...(residual === undefined ? {} : { residual }),
    ...(interval === undefined ? {} : { interval }),
    schema,
  }

  return { node, scope: joined }

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

  /** An interval join must be the first join of FROM: the runner reads exactly two streams. */
  function intervalAfterJoin(between: Expr, before: PlanNode): Error {
    let streams = false
    for (let n = before; n.kind !== 'scan'; n = n.input)
      if (n.kind === 'join' && n.interval !== undefined) streams = true
    return streams
      ? binder.error(between.span, 'A join of three streams (a second interval join) is not supported yet', {
          value: binder.text(between.span),
          hint: 'Join two streams with an interval join; every further source must be a bounded lookup table joined without a time bound',
        })
      : binder.error(between.span, 'An interval join after a lookup join is not supported yet', {
          value: binder.text(between.span),
          hint: "Put the two streams first and the lookup tables after them: FROM s1 JOIN s2 ON ... AND s2.t BETWEEN s1.t AND s1.t + INTERVAL '1' HOUR JOIN table t ON ...",
        })
  }

  function intervalSpec(
    streamTime: BoundExpr,
    tableTime: BoundExpr,
    lower: bigint,
    upper: bigint,
    join: JoinSource,
    names: readonly [string, string],
  ): NonNullable<JoinNode['interval']> {
    let delay = 0n
    for (const ep of endpoints?.sources ?? []) {
      if (!names.includes(ep.name)) continue
      const d = ep.engineProperties?.['watermark.delay']
      if (d === undefined) continue
      const ms = parseDuration(d.value)
      if (ms === undefined) {
        throw binder.error(d.span ?? join.span, `'${ep.name}.watermark.delay' = '${d.value}' is not a duration`, {
          value: d.value,
          expected: 'a duration such as 0, 500ms, 10s, 1m',
        })
      }
      if (BigInt(ms) * NANOS_PER_MS > delay) delay = BigInt(ms) * NANOS_PER_MS
    }
    const settings = endpoints?.settings
    const lateRecords = settings?.lateRecords ?? 'drop'
    if (lateRecords === 'dead_letter') {
      const policy = (key: string) => endpoints?.recovery[key]?.toLowerCase()
      if (policy('job.bad_records') !== 'dead_letter' && policy(`${names[0]}.bad_records`) !== 'dead_letter') {
        const p = endpoints?.statement.properties.find((x) => x.key.toLowerCase() === 'job.late_records')
        throw binder.error(
          p?.valueSpan ?? join.span,
          "job.late_records = 'dead_letter' hands late rows of the join to the bad-record policy, but job.bad_records is not 'dead_letter'",
          {
            value: 'dead_letter',
            hint: "Add 'job.bad_records' = 'dead_letter' and a 'job.dlq.uri', or use 'drop' (counted) or 'update'",
          },
        )
      }
    }
    const allowed = lateRecords === 'update' ? BigInt(settings?.allowedLatenessMs ?? 0) * NANOS_PER_MS : 0n

    return { streamTime, tableTime, lower, upper, delay, lateRecords, allowedLateness: allowed }
  }
}
