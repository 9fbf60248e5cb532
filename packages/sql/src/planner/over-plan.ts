import { type DataType, Schema, T, typeToString } from '@ferris/core'
import { bindAggregate } from '../analyzer/aggregate-functions.js'
import type { ExpressionBinder, Scope } from '../analyzer/bind-expression.js'
import type { BoundExpr } from '../analyzer/bound-expr.js'
import type { StatementEndpoints } from '../analyzer/endpoints.js'
import { overReach } from '../execution/over-partition.js'
import type { Expr, FrameBound, FunctionCall, OverClause, Statement } from '../parser/ast.js'
import type { Span } from '../parser/source-text.js'
import type { OverBound, OverCall, OverFrame, OverNode, OverOrderKey, PlanNode } from './logical-plan.js'
import { checkLateRecordsPolicy, watermarkDelayOf } from './window-plan.js'

const NANOS_PER_MS = 1_000_000n
const RANKING = new Set(['ROW_NUMBER', 'RANK', 'DENSE_RANK'])
const OFFSETS = new Set(['LAG', 'LEAD'])
/** Aggregates that run over a frame. */
const FRAMED = new Set(['SUM', 'AVG', 'MIN', 'MAX', 'COUNT'])
const FUNCTIONS = 'ROW_NUMBER, RANK, DENSE_RANK, LAG, LEAD, SUM, AVG, MIN, MAX, COUNT'
/** SQL window functions not implemented yet: refused as such, not as "not a window function". */
const NOT_YET = new Set(['NTILE', 'PERCENT_RANK', 'CUME_DIST', 'NTH_VALUE', 'FIRST_VALUE', 'LAST_VALUE'])
/** Frame offsets are row counts held in memory; beyond this a frame is surely a mistake. */
const MAX_OFFSET = 1_000_000

interface OverSpec {
  readonly clause: OverClause
  readonly text: string
  readonly partitionBy: BoundExpr[]
  readonly orderBy: OverOrderKey[]
  readonly calls: OverCall[]
  /** Output column (after the input's) of each call. */
  readonly slots: number[]
}

/**
 * The scope of a select list that holds window functions: each `f(...) OVER (...)` becomes a column of the
 * row windows' output (the input's columns, then one per distinct call, in the order they are met). Calls
 * that share PARTITION BY and ORDER BY run in one operator; each other OVER gets its own, stacked on the
 * first, each filling in its own columns.
 */
export function overScope(
  input: PlanNode,
  scope: Scope,
  binder: ExpressionBinder,
  endpoints: StatementEndpoints | undefined,
  statement: Statement,
): { scope: Scope; node: () => OverNode; nullable: (index: number) => boolean } {
  const normalize = (span: Span) => binder.text(span).replace(/\s+/g, '').toLowerCase()
  const inputFields = input.schema.fields
  const calls: OverCall[] = []
  const callTexts: string[] = []
  const nullable: boolean[] = []
  const specs: OverSpec[] = []

  const over = (call: FunctionCall): BoundExpr => {
    const clause = call.over!
    const specText = [
      clause.partitionBy.map((p) => normalize(p.span)).join(','),
      clause.orderBy.map((o) => `${normalize(o.expr.span)} ${o.descending} ${o.nullsFirst}`).join(','),
    ].join('|')
    const text = normalize(call.span)
    const known = callTexts.indexOf(text)
    const index = known >= 0 ? known : calls.length
    if (known < 0) {
      let spec = specs.find((s) => s.text === specText)
      if (spec === undefined) {
        spec = {
          clause,
          text: specText,
          partitionBy: clause.partitionBy.map((p) => binder.bind(p, scope)),
          orderBy: clause.orderBy.map((o) => ({
            expr: binder.bind(o.expr, scope),
            descending: o.descending,
            // PostgreSQL's default: NULLs sort as if larger than every value.
            nullsFirst: o.nullsFirst ?? o.descending,
          })),
          calls: [],
          slots: [],
        }
        specs.push(spec)
      }
      const bound = bindCall(call, scope, binder)
      calls.push(bound)
      callTexts.push(text)
      nullable.push(!RANKING.has(bound.fn) && !(bound.fn === 'AGGREGATE' && bound.aggregate.name === 'COUNT'))
      spec.calls.push(bound)
      spec.slots.push(inputFields.length + index)
    }
    const c = calls[index]!

    return {
      kind: 'column',
      index: inputFields.length + index,
      name: c.fn === 'AGGREGATE' ? c.aggregate.name.toLowerCase() : c.fn.toLowerCase(),
      type: c.type,
      text: binder.text(call.span),
      span: call.span,
    }
  }

  return {
    scope: { ...scope, windows: { over } },
    nullable: (index) => inputFields[index]?.nullable ?? nullable[index - inputFields.length] ?? true,
    node: () => {
      const schema = new Schema([
        ...inputFields,
        ...calls.map((c, i) => ({ name: `over_${i + 1}`, type: c.type, nullable: nullable[i]! })),
      ])
      let node: PlanNode = input
      for (const s of stackOrder(specs, binder, endpoints, statement)) {
        node = {
          kind: 'over',
          input: node,
          partitionBy: s.partitionBy,
          orderBy: s.orderBy,
          order: orderMode(s.orderBy, binder, endpoints, statement, s.clause),
          calls: s.calls,
          slots: s.slots,
          text: overText(s.clause, binder),
          schema,
        }
      }

      return node as OverNode
    },
  }
}

/**
 * Row windows stacked in an order that keeps event time in order between them: a window that looks ahead
 * (LEAD, n FOLLOWING) emits a row only after later rows, so it goes last, where nothing downstream reads
 * its output by event time; two such windows ordered by event time cannot be stacked.
 */
function stackOrder(
  specs: readonly OverSpec[],
  binder: ExpressionBinder,
  endpoints: StatementEndpoints | undefined,
  statement: Statement,
): OverSpec[] {
  const ahead = (s: OverSpec) =>
    orderMode(s.orderBy, binder, endpoints, statement, s.clause).kind === 'event_time' &&
    overReach(s.calls).lookahead > 0
  const last = specs.filter(ahead)
  if (last.length > 1) {
    throw binder.unsupported(
      last[1]!.clause.span,
      'A second event-time window that looks ahead (LEAD or n FOLLOWING) with another PARTITION BY or ORDER BY',
    )
  }

  return [...specs.filter((s) => !ahead(s)), ...last]
}

/** Event time when ORDER BY starts with an ascending TIMESTAMP; otherwise sort bounded input at its end. */
function orderMode(
  orderBy: readonly OverOrderKey[],
  binder: ExpressionBinder,
  endpoints: StatementEndpoints | undefined,
  statement: Statement,
  clause: OverClause,
): OverNode['order'] {
  const first = orderBy[0]
  if (first === undefined || first.expr.type.kind !== 'timestamp' || first.descending) return { kind: 'sorted' }
  const settings = endpoints?.settings
  if (settings?.lateRecords === 'update') {
    const p = statement.properties.find((x) => x.key.toLowerCase() === 'job.late_records')
    throw binder.error(
      p?.valueSpan ?? clause.span,
      "job.late_records = 'update' cannot apply to a window function ordered by event time: its rows are already emitted and a late row would change the values of every row after it",
      {
        value: 'update',
        hint: "Use 'drop' (counted) or 'dead_letter', and raise '<source>.watermark.delay' to wait longer",
      },
    )
  }
  checkLateRecordsPolicy(binder, endpoints, statement, clause.span)

  return {
    kind: 'event_time',
    watermarkDelay: watermarkDelayOf(binder, endpoints, clause.span),
    lateRecords: settings?.lateRecords === 'dead_letter' ? 'dead_letter' : 'drop',
    ...(settings?.idleTimeoutMs === undefined ? {} : { idleTimeout: BigInt(settings.idleTimeoutMs) * NANOS_PER_MS }),
  }
}

/** `OVER (PARTITION BY ... ORDER BY ...)` as written, without a frame (frames belong to each call). */
function overText(clause: OverClause, binder: ExpressionBinder): string {
  const parts: string[] = []
  if (clause.partitionBy.length > 0)
    parts.push(`PARTITION BY ${clause.partitionBy.map((p) => binder.text(p.span)).join(', ')}`)
  if (clause.orderBy.length > 0) parts.push(`ORDER BY ${clause.orderBy.map((o) => binder.text(o.span)).join(', ')}`)

  return `OVER (${parts.join(' ')})`
}

function bindCall(call: FunctionCall, scope: Scope, binder: ExpressionBinder): OverCall {
  const name = call.name.name.toUpperCase()
  // The call without its OVER clause, for EXPLAIN: the clause is shown once, frames per call.
  const text = binder.text({ ...call.span, end: call.over!.span.start }).trim()
  if (call.distinct) {
    throw binder.error(call.span, `DISTINCT is not allowed in the window function ${name}`, {
      value: text,
      hint: 'Window aggregates see every row of their frame; aggregate DISTINCT values with GROUP BY instead',
    })
  }
  if (call.filter !== undefined && !FRAMED.has(name)) {
    throw binder.error(call.filter.span, `FILTER is only allowed on aggregates, not on ${name}`, { value: text })
  }
  const arity = (min: number, max: number, form: string, star = false) => {
    if ((call.star && !star) || call.args.length < min || call.args.length > max) {
      throw binder.error(
        call.span,
        `${name} takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, but ${call.star ? '*' : call.args.length} ${call.args.length === 1 ? 'was' : 'were'} given`,
        { value: text, hint: `Write ${form}` },
      )
    }
  }
  if (RANKING.has(name)) {
    arity(0, 0, `${name}() OVER (...)`)
    return { fn: name as 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK', type: T.int64, text }
  }
  if (OFFSETS.has(name)) {
    arity(1, 3, `${name}(x), ${name}(x, 2) or ${name}(x, 1, default)`)
    let arg = binder.bind(call.args[0]!, scope)
    const offset = call.args[1] === undefined ? 1 : offsetOf(call.args[1], binder, `the offset of ${name}`)
    let def = call.args[2] === undefined ? undefined : binder.bind(call.args[2], scope)
    let type: DataType = arg.type
    if (def !== undefined) {
      const common = binder.commonType(arg.type, def.type)
      if (common === undefined) {
        throw binder.error(
          def.span,
          `The default of ${name} is ${typeToString(def.type)}, which does not fit ${typeToString(arg.type)} (${arg.text})`,
          { value: def.text, expected: typeToString(arg.type), hint: 'CAST the default to the type of the value' },
        )
      }
      type = common
      arg = binder.widen(arg, type)
      def = binder.widen(def, type)
    }

    return { fn: name as 'LAG' | 'LEAD', arg, offset, ...(def === undefined ? {} : { default: def }), type, text }
  }
  if (NOT_YET.has(name)) {
    throw binder.error(call.name.span, `The window function ${name} is not supported yet`, {
      value: text,
      expected: `one of ${FUNCTIONS}`,
      hint: `Window functions available: ${FUNCTIONS}; see Known limitations in the @ferris/sql README`,
    })
  }
  if (!FRAMED.has(name)) {
    throw binder.error(call.name.span, `${name} cannot be used with OVER: it is not a window function`, {
      value: text,
      expected: `one of ${FUNCTIONS}`,
      hint: `Window functions available: ${FUNCTIONS}; remove OVER (...) to use ${name} as a plain function or aggregate`,
    })
  }
  if (call.star && name !== 'COUNT')
    throw binder.error(call.span, `${name}(*) is not allowed; only COUNT(*) counts rows`)
  arity(
    call.star ? 0 : 1,
    call.star ? 0 : 1,
    name === 'COUNT' ? 'COUNT(*) OVER (...) or COUNT(x) OVER (...)' : `${name}(x) OVER (...)`,
    name === 'COUNT',
  )
  const arg = call.star ? undefined : binder.bind(call.args[0]!, scope)
  const filter = call.filter === undefined ? undefined : binder.bind(call.filter, scope)
  if (filter !== undefined) binder.requireBoolean(filter, 'FILTER')
  const aggregate = binder.at(call.span, () => bindAggregate(name, arg?.type, false))

  return {
    fn: 'AGGREGATE',
    aggregate,
    ...(arg === undefined ? {} : { arg }),
    ...(filter === undefined ? {} : { filter }),
    frame: frameOf(call.over!, binder),
    type: aggregate.type,
    text,
  }
}

/** A non-negative integer literal: a LAG/LEAD offset or a frame's `n PRECEDING`/`n FOLLOWING`. */
function offsetOf(e: Expr, binder: ExpressionBinder, what: string): number {
  const text = binder.text(e.span)
  const value = e.kind === 'literal' && e.type === 'integer' ? BigInt(e.value) : undefined
  if (value === undefined || value < 0n || value > BigInt(MAX_OFFSET)) {
    throw binder.error(
      e.span,
      value === undefined
        ? `${what} must be an integer literal, but found ${text}`
        : value < 0n
          ? `${what} must not be negative, but it is ${text}`
          : `${what} is ${text} rows; at most ${MAX_OFFSET} rows are held per partition`,
      {
        value: text,
        expected: `an integer from 0 to ${MAX_OFFSET}`,
        hint:
          value !== undefined && value < 0n
            ? 'Write n PRECEDING for rows before the current one and n FOLLOWING for rows after it (LAG looks back, LEAD ahead)'
            : 'Write a constant number of rows, e.g. ROWS BETWEEN 3 PRECEDING AND CURRENT ROW or LAG(x, 2)',
      },
    )
  }

  return Number(value)
}

const BOUND_RANK = { unbounded_preceding: 0, preceding: 1, current_row: 2, following: 3, unbounded_following: 4 }

/** The frame of a window aggregate, checked as PostgreSQL checks it; RANGE takes no offsets here. */
function frameOf(over: OverClause, binder: ExpressionBinder): OverFrame {
  const frame = over.frame
  if (frame === undefined) {
    // PostgreSQL's default: with ORDER BY, the rows up to the current row and its peers; without, all rows.
    return over.orderBy.length > 0
      ? {
          start: { kind: 'unbounded' },
          end: { kind: 'peers' },
          text: 'RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW',
        }
      : { start: { kind: 'unbounded' }, end: { kind: 'unbounded' }, text: 'the whole partition' }
  }
  const text = binder.text(frame.span)
  const fail = (message: string, hint: string) => binder.error(frame.span, message, { value: text, hint })
  if (frame.start.kind === 'unbounded_following')
    throw fail(
      'A frame cannot start at UNBOUNDED FOLLOWING',
      'Start it at UNBOUNDED PRECEDING, n PRECEDING or CURRENT ROW',
    )
  if (frame.end.kind === 'unbounded_preceding')
    throw fail('A frame cannot end at UNBOUNDED PRECEDING', 'End it at CURRENT ROW, n FOLLOWING or UNBOUNDED FOLLOWING')
  if (BOUND_RANK[frame.end.kind] < BOUND_RANK[frame.start.kind]) {
    throw fail(
      `A frame starting at ${boundText(frame.start, binder)} cannot end at ${boundText(frame.end, binder)}, which comes before it`,
      'Write the earlier bound first: ROWS BETWEEN 2 PRECEDING AND CURRENT ROW',
    )
  }
  const bound = (b: FrameBound, side: 'start' | 'end'): OverBound => {
    switch (b.kind) {
      case 'unbounded_preceding':
      case 'unbounded_following':
        return { kind: 'unbounded' }
      case 'current_row':
        return frame.units === 'range' ? { kind: 'peers' } : { kind: 'rows', offset: 0 }
      case 'preceding':
      case 'following': {
        if (frame.units === 'range') {
          throw binder.error(
            b.offset.span,
            `RANGE with an offset (${binder.text(b.offset.span)} ${b.kind.toUpperCase()}) is not supported`,
            {
              value: text,
              hint: 'Count rows instead: ROWS BETWEEN n PRECEDING AND CURRENT ROW; RANGE takes UNBOUNDED PRECEDING, CURRENT ROW and UNBOUNDED FOLLOWING',
            },
          )
        }
        const n = offsetOf(b.offset, binder, `The frame ${side}`)
        return { kind: 'rows', offset: b.kind === 'preceding' ? -n : n }
      }
    }
  }

  return { start: bound(frame.start, 'start'), end: bound(frame.end, 'end'), text }
}

function boundText(b: FrameBound, binder: ExpressionBinder): string {
  if (b.kind === 'preceding' || b.kind === 'following') return `${binder.text(b.offset.span)} ${b.kind.toUpperCase()}`

  return b.kind.toUpperCase().replace('_', ' ')
}
