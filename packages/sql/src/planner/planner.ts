import {
  type ConnectorRegistry,
  type DataSource,
  type DataType,
  type EndpointSpec,
  type Field,
  isFerrisError,
  noopMetrics,
  Schema,
  silentLogger,
} from '@ferris/core'
import { parseRecoveryConfig, type RecoveryConfig } from '@ferris/recovery'
import { bindAggregate } from '../analyzer/aggregate-functions.js'
import {
  containsAggregate,
  containsWindowCall,
  ExpressionBinder,
  type Grouping,
  type Scope,
} from '../analyzer/bind-expression.js'
import type { BoundExpr } from '../analyzer/bound-expr.js'
import { declaredSchemaOf } from '../analyzer/declared-schema.js'
import { defaultLibrary } from '../analyzer/default-library.js'
import { collectEndpoints, type EndpointRef, type StatementEndpoints } from '../analyzer/endpoints.js'
import type { OperatorLibrary } from '../analyzer/operator-library.js'
import type { Application, FunctionCall, Query, Statement } from '../parser/ast.js'
import { parse } from '../parser/parser.js'
import { SourceText, type Span } from '../parser/source-text.js'
import { planTableJoin } from './join-plan.js'
import type { AggregateCall, AggregateNode, ApplicationPlan, JobPlan, PlanNode, WindowSpec } from './logical-plan.js'
import { overScope } from './over-plan.js'
import { TablePlanner } from './table-plan.js'
import { planWindow } from './window-plan.js'

export interface PlanOptions {
  /** Resolves and validates every source and sink (connector options, unknown keys) before anything opens. */
  readonly registry?: ConnectorRegistry
  /** Schemas by source name; a source not listed here is asked through `discoverSchema`. */
  readonly schemas?: Readonly<Record<string, Schema>>
  /** Finds a source's schema; the default creates the source through the registry and asks it. */
  readonly discoverSchema?: (endpoint: EndpointRef) => Promise<Schema | undefined>
  /** `--set key=value` overrides of WITH properties and job settings. */
  readonly set?: Readonly<Record<string, string>>
  /** File name used in error locations. */
  readonly fileName?: string
  /** Working directory handed to connectors created for schema discovery. */
  readonly cwd?: string
  /** Functions and operators; the built-in library by default. */
  readonly library?: OperatorLibrary
  /** Whether a source ends (tables must, unless declared CREATE TABLE); the default asks the registry's source. */
  readonly bounded?: (endpoint: EndpointRef) => Promise<boolean | undefined>
}

/**
 * Checks a whole application and builds one operator tree per statement: names, types, function arity,
 * WITH keys and connector options are all checked here, before any source is opened.
 */
export async function plan(sql: string | Application, options: PlanOptions = {}): Promise<ApplicationPlan> {
  const source = new SourceText(typeof sql === 'string' ? sql : '', options.fileName)
  const app = typeof sql === 'string' ? parse(source) : sql
  const statements = collectEndpoints(app, source, options.set)
  const connectors: Record<string, string> = {}
  if (options.registry !== undefined) {
    for (const st of statements) {
      for (const ep of [...st.sources, ...(st.sink === undefined ? [] : [st.sink])]) {
        connectors[`${ep.role}:${ep.name}`] = resolveEndpoint(options.registry, ep, source)
      }
    }
  }
  const jobs: JobPlan[] = []
  const names = new Set<string>()
  for (const st of statements) {
    if (names.has(st.settings.name)) {
      throw source.error(
        'FERRIS_SQL_SEMANTIC',
        st.statement.span,
        `Two statements would run as the job "${st.settings.name}"`,
        {
          value: st.settings.name,
          hint: "Give one of them another name with 'job.name' = '...'",
        },
      )
    }
    names.add(st.settings.name)
    const recovery = recoveryConfig(
      st.recovery,
      [...st.sources, ...(st.sink === undefined ? [] : [st.sink])],
      st.statement,
      source,
    )
    if (options.registry !== undefined) {
      for (const scope of [recovery.job, ...recovery.endpoints.values()]) {
        if (scope.deadLetter !== undefined)
          resolveDeadLetter(options.registry, scope.deadLetter.spec, st.statement, source)
      }
    }
    const schemas: Record<string, Schema> = {}
    for (const ep of st.sources) {
      const given = options.schemas?.[ep.name] ?? declaredSchemaOf(ep, app, source)
      const found = given ?? (await discover(ep, options, source))
      if (found === undefined) {
        throw source.error('FERRIS_SQL_SEMANTIC', ep.span, `Source "${ep.name}" cannot tell its schema`, {
          value: ep.name,
          hint: `Declare its columns: '${ep.name}.schema' = 'id BIGINT, amount DECIMAL(12,2), ts TIMESTAMP(3)', or use a format that carries a schema (Parquet, a table)`,
        })
      }
      schemas[ep.name] = found
    }
    const library = options.library ?? defaultLibrary({ timeZone: st.settings.timeZone })
    const binder = new ExpressionBinder(source, library)
    // Sources other than the stream may be read as tables: whether they end decides how.
    const bounded = new Map<string, boolean | undefined>()
    for (const ep of st.sources.slice(1)) bounded.set(ep.name, await boundedOf(ep, options))
    const tables = new TablePlanner({
      app,
      source,
      statement: st.statement,
      endpoints: st,
      schemas,
      binder,
      bounded,
      planQuery: (q, s, only) => planQuery(q, s, only, binder, st),
    })
    const root = planQuery(st.statement.query, st.statement, schemas, binder, st, tables)
    const jobConnectors: Record<string, string> = {}
    for (const ep of st.sources) {
      const c = connectors[`source:${ep.name}`]
      if (c !== undefined) jobConnectors[ep.name] = c
    }
    if (st.sink !== undefined && connectors[`sink:${st.sink.name}`] !== undefined) {
      jobConnectors[st.sink.name] = connectors[`sink:${st.sink.name}`]!
    }
    jobs.push({
      name: st.settings.name,
      statement: st.statement,
      sources: st.sources,
      connectors: jobConnectors,
      sink: st.sink === undefined ? { kind: 'caller' } : { kind: 'endpoint', endpoint: st.sink },
      root,
      ...(st.statement.emit === undefined ? {} : { emit: st.statement.emit.mode }),
      settings: st.settings,
      recovery,
      ...(tables.tables.length === 0 ? {} : { tables: tables.tables }),
      ...(tables.subqueries.length === 0 ? {} : { subqueries: tables.subqueries }),
    })
  }

  return { source, jobs }
}

/** Validates an endpoint's connector options; errors point at the offending WITH key. Returns the scheme. */
export function resolveEndpoint(registry: ConnectorRegistry, ep: EndpointRef, source: SourceText): string {
  try {
    return registry.resolve({ name: ep.name, role: ep.role, properties: ep.properties }).definition.scheme
  } catch (e) {
    if (!isFerrisError(e) || e.context.location !== undefined) throw e
    const subject = typeof e.context.subject === 'string' ? e.context.subject : ''
    const sub = subject.startsWith(`${ep.name}.`) ? subject.slice(ep.name.length + 1) : ''
    const span = ep.propertySpans[sub] ?? ep.propertySpans.type ?? ep.propertySpans.uri ?? ep.span
    throw source.error(e.code, span, e.message, {
      ...(e.context.value === undefined ? {} : { value: String(e.context.value) }),
      ...(e.context.expected === undefined ? {} : { expected: e.context.expected }),
      ...(e.context.hint === undefined ? {} : { hint: e.context.hint }),
      subject: subject || ep.name,
      cause: e,
    })
  }
}

function locateKey(statement: Statement, key: string): Span {
  const k = key.toLowerCase()
  const p =
    statement.properties.find((x) => x.key.toLowerCase() === k) ??
    statement.properties.find((x) => k !== '' && x.key.toLowerCase().startsWith(`${k}.`)) ??
    statement.properties.find((x) => k !== '' && k.startsWith(`${x.key.toLowerCase().split('.')[0]}.`))

  return p?.keySpan ?? statement.span
}

function relocate(e: unknown, span: Span, source: SourceText): unknown {
  if (!isFerrisError(e) || e.context.location !== undefined) return e

  return source.error(e.code, span, e.message, {
    ...(e.context.value === undefined ? {} : { value: String(e.context.value) }),
    ...(e.context.expected === undefined ? {} : { expected: e.context.expected }),
    ...(e.context.hint === undefined ? {} : { hint: e.context.hint }),
    ...(typeof e.context.subject === 'string' ? { subject: e.context.subject } : {}),
    cause: e,
  })
}

function recoveryConfig(
  properties: Readonly<Record<string, string>>,
  endpoints: readonly EndpointRef[],
  statement: Statement,
  source: SourceText,
): RecoveryConfig {
  try {
    return parseRecoveryConfig(
      properties,
      endpoints.map((e) => e.name),
      process.env,
    )
  } catch (e) {
    const subject = isFerrisError(e) && typeof e.context.subject === 'string' ? e.context.subject : ''
    throw relocate(e, locateKey(statement, subject), source)
  }
}

function resolveDeadLetter(
  registry: ConnectorRegistry,
  spec: EndpointSpec,
  statement: Statement,
  source: SourceText,
): void {
  try {
    registry.resolve(spec)
  } catch (e) {
    throw relocate(e, locateKey(statement, `${spec.name}.uri`), source)
  }
}

async function boundedOf(ep: EndpointRef, options: PlanOptions): Promise<boolean | undefined> {
  if (options.bounded !== undefined) return options.bounded(ep)
  if (options.registry === undefined) return undefined

  return askSource(ep, options.registry, options, (source) => source.capabilities.bounded)
}

async function discover(ep: EndpointRef, options: PlanOptions, source: SourceText): Promise<Schema | undefined> {
  if (options.discoverSchema !== undefined) return options.discoverSchema(ep)
  if (options.registry === undefined) {
    throw source.error('FERRIS_SQL_SEMANTIC', ep.span, `No schema is known for source "${ep.name}"`, {
      hint: 'Pass a connector registry, or the schema in PlanOptions.schemas',
    })
  }

  return askSource(ep, options.registry, options, (created) => created.discoverSchema())
}

/** Creates `ep`'s source only to ask it something while planning, and closes it again at once. */
async function askSource<T>(
  ep: EndpointRef,
  registry: ConnectorRegistry,
  options: PlanOptions,
  ask: (source: DataSource) => T | Promise<T>,
): Promise<T> {
  const controller = new AbortController()
  const created = registry.createSource(
    { name: ep.name, role: 'source', properties: ep.properties },
    {
      name: ep.name,
      logger: silentLogger,
      metrics: noopMetrics,
      signal: controller.signal,
      cwd: options.cwd ?? process.cwd(),
      reportBadRecord: () => {},
    },
  )
  try {
    return await ask(created)
  } finally {
    controller.abort()
    await created.close()
  }
}

function planQuery(
  query: Query,
  st: Statement,
  schemas: Record<string, Schema>,
  binder: ExpressionBinder,
  endpoints?: StatementEndpoints,
  tables?: TablePlanner,
): PlanNode {
  const from = query.from
  const join = from.kind === 'join' ? planTableJoin(from, query, schemas, binder, endpoints, tables) : undefined
  if (from.kind === 'named' && tables?.isTableQuery(from.name.name) === true) {
    throw binder.error(from.name.span, `${from.name.name} is a table computed by CREATE TABLE ... AS SELECT`, {
      value: from.name.name,
      hint: `Read it as the table side of a join or in a subquery, or write its rows somewhere with '${from.name.name}.uri' = '...' and read them from there`,
    })
  }
  if (from.kind === 'subquery') {
    throw binder.unsupported(
      from.span,
      'A subquery in FROM',
      'Move its filter and projection into this query, or make it a table (CREATE TABLE name AS SELECT ...) and join or subquery it; see Tables in the @ferris/sql README',
    )
  }
  if (query.orderBy.length > 0) {
    throw binder.unsupported(
      query.orderBy[0]!.span,
      'ORDER BY',
      'Remove ORDER BY and sort the output where it lands; window functions (OVER (ORDER BY ...)) order rows within a partition',
    )
  }
  if (query.distinct) {
    throw binder.unsupported(
      query.span,
      'SELECT DISTINCT',
      'Write GROUP BY over the selected columns instead (SELECT a, b FROM t GROUP BY a, b)',
    )
  }
  if (st.emit?.mode === 'final') {
    // Without aggregation every row is final as soon as it is produced; EMIT FINAL changes nothing.
  }
  const name = from.kind === 'named' ? from.name.name : undefined
  const sourceName = join?.streamName ?? Object.keys(schemas)[0]!
  const scope: Scope = join?.scope ?? {
    schema: schemas[sourceName]!,
    qualifiers: [name ?? sourceName, ...(from.kind === 'join' || from.alias === undefined ? [] : [from.alias.name])],
  }
  const { schema, qualifiers } = scope
  let node: PlanNode = join?.node ?? { kind: 'scan', source: sourceName, qualifiers, schema }
  if (query.where !== undefined) {
    const predicate = binder.bind(query.where, scope)
    binder.requireBoolean(predicate, 'WHERE')
    node = { kind: 'filter', input: node, predicate, schema }
  }
  const aggregating =
    query.window !== undefined ||
    query.groupBy.length > 0 ||
    query.having !== undefined ||
    query.select.some((item) => item.kind === 'expr' && containsAggregate(item.expr))
  let selectScope = scope
  let finishAggregate: (() => void) | undefined
  const windowed = query.select.find((item) => item.kind === 'expr' && containsWindowCall(item.expr))
  let overNullable: ((index: number) => boolean) | undefined
  if (windowed !== undefined && aggregating) {
    throw binder.unsupported(
      windowed.span,
      'A window function (OVER) in a query with GROUP BY, WINDOW or aggregates',
      'Aggregate in a table (CREATE TABLE name AS SELECT ... GROUP BY ...) written to a sink, then run the window function in a second application that reads that output',
    )
  }
  if (windowed !== undefined) {
    const over = overScope(node, scope, binder, endpoints, st)
    selectScope = over.scope
    overNullable = over.nullable
    // The row window sits between the filter and the projection, like an aggregate.
    finishAggregate = () => {
      node = over.node()
    }
  }
  if (aggregating) {
    const window = query.window === undefined ? undefined : planWindow(query.window, scope, binder, endpoints, st)
    const grouped = groupingScope(query, st, node, scope, binder, window)
    selectScope = grouped.scope
    finishAggregate = () => {
      const aggregate = grouped.node()
      node = aggregate
      if (query.having !== undefined) {
        const predicate = binder.bind(query.having, selectScope)
        binder.requireBoolean(predicate, 'HAVING')
        // Under EMIT CHANGES a group can stop passing HAVING, which only the aggregate (knowing which groups
        // it showed) can turn into a DELETE; a filter above would just drop the change.
        // Limitation: a windowed EMIT CHANGES aggregate keeps HAVING as a filter, so a window and group that
        // stops passing is not retracted.
        if (aggregate.emit === 'changes' && aggregate.window === undefined) node = { ...aggregate, having: predicate }
        else node = { kind: 'filter', input: node, predicate, schema: node.schema }
      }
    }
  }
  const exprs: BoundExpr[] = []
  const fields: Field[] = []
  const used = new Map<string, number>()
  const addField = (wanted: string, e: BoundExpr, nullable: boolean) => {
    const key = wanted.toLowerCase()
    const seen = used.get(key) ?? 0
    used.set(key, seen + 1)
    fields.push({ name: seen === 0 ? wanted : `${wanted}_${seen + 1}`, type: e.type, nullable })
    exprs.push(e)
  }
  let identity = query.select.length === 1 && query.select[0]!.kind === 'star'
  query.select.forEach((item, position) => {
    if (item.kind === 'star' && aggregating) {
      throw binder.error(item.span, 'SELECT * cannot be used in an aggregating query', {
        hint: 'Name the GROUP BY columns and the aggregates instead',
      })
    }
    if (item.kind === 'star') {
      if (item.qualifier !== undefined) {
        const q = item.qualifier.name.toLowerCase()
        if (!qualifiers.some((x) => x.toLowerCase() === q)) {
          throw binder.error(
            item.qualifier.span,
            `Unknown source "${item.qualifier.name}" in ${item.qualifier.name}.*`,
            {
              value: item.qualifier.name,
              expected: `one of ${qualifiers.join(', ')}`,
            },
          )
        }
        identity = query.select.length === 1
      }
      schema.fields.forEach((f, index) => {
        addField(
          f.name,
          { kind: 'column', index, name: f.name, type: f.type, text: f.name, span: item.span },
          f.nullable,
        )
      })
      return
    }
    const e = binder.bind(item.expr, selectScope)
    const nullable =
      e.kind === 'column' && !aggregating
        ? (overNullable?.(e.index) ?? schema.fields[e.index]!.nullable)
        : !(e.kind === 'literal' && e.value !== null)
    addField(item.alias?.name ?? defaultName(e, position), e, nullable)
  })
  finishAggregate?.()
  if (!identity) node = { kind: 'project', input: node, exprs, schema: new Schema(fields) }
  if (query.limit !== undefined) {
    if (query.limit.value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw binder.error(query.limit.span, `LIMIT ${query.limit.value} is too large`, { expected: 'at most 2^53 - 1' })
    }
    node = { kind: 'limit', input: node, count: Number(query.limit.value), schema: node.schema }
  }

  return node
}

/**
 * The scope of an aggregating query's select list and HAVING: GROUP BY expressions and aggregate calls
 * become columns of the aggregate's output (keys first, then aggregates), in the order they are met.
 */
function groupingScope(
  query: Query,
  st: Statement,
  input: PlanNode,
  scope: Scope,
  binder: ExpressionBinder,
  window?: { spec: WindowSpec; fields: Field[] },
): { scope: Scope; node: () => AggregateNode } {
  const keyAsts = query.groupBy
  const keys = keyAsts.map((k) => binder.bind(k, scope))
  const normalize = (e: { span: Span }) => binder.text(e.span).replace(/\s+/g, '').toLowerCase()
  const keyTexts = keyAsts.map(normalize)
  const aggregates: AggregateCall[] = []
  const aggregateTexts: string[] = []
  const keyFields: Field[] = keys.map((k, i) => ({
    name: k.kind === 'column' ? k.name : `key_${i + 1}`,
    type: k.type,
    nullable: true,
  }))
  // A window's start and end follow the keys: they are part of each group's identity.
  keyFields.push(...(window?.fields ?? []))
  const ref = (index: number, name: string, type: DataType, e: { span: Span }): BoundExpr => ({
    kind: 'column',
    index,
    name,
    type,
    text: binder.text(e.span),
    span: e.span,
  })
  const grouping: Grouping = {
    matchKey: (e) => {
      let i = keyTexts.indexOf(normalize(e))
      if (i < 0 && e.kind === 'column') {
        const at = scope.schema.indexOf(e.name.name, e.name.quoted)
        i = keys.findIndex((k) => k.kind === 'column' && k.index === at)
      }
      if (i < 0 && window !== undefined && e.kind === 'column' && e.qualifier === undefined) {
        const w = window.fields.findIndex((f) => f.name === e.name.name.toLowerCase())
        if (w >= 0 && scope.schema.indexOf(e.name.name, e.name.quoted) < 0) i = keys.length + w
      }
      return i < 0 ? undefined : ref(i, keyFields[i]!.name, keyFields[i]!.type, e)
    },
    aggregate: (call: FunctionCall) => {
      const text = normalize(call)
      const known = aggregateTexts.indexOf(text)
      if (known >= 0)
        return ref(
          keyFields.length + known,
          aggregates[known]!.aggregate.name.toLowerCase(),
          aggregates[known]!.aggregate.type,
          call,
        )
      const name = call.name.name.toUpperCase()
      const joins = name === 'LISTAGG' || name === 'STRING_AGG'
      let separator: string | undefined
      if (joins && call.args.length === 2) {
        const sep = call.args[1]!
        if (sep.kind !== 'literal' || sep.type !== 'string') {
          throw binder.error(sep.span, `The separator of ${name} must be a string literal`, {
            value: binder.text(sep.span),
            hint: `Write ${name}(x, ', ')`,
          })
        }
        separator = sep.value
      }
      if (call.args.length > (joins ? 2 : 1) || (call.args.length === 0 && !call.star)) {
        throw binder.error(call.span, `${name} takes one argument, but ${call.args.length} were given`, {
          value: binder.text(call.span),
          hint: name === 'COUNT' ? 'Write COUNT(*) or COUNT(x)' : `Write ${name}(x)`,
        })
      }
      if (call.star && name !== 'COUNT') {
        throw binder.error(call.span, `${name}(*) is not allowed; only COUNT(*) counts rows`)
      }
      const arg = call.star ? undefined : binder.bind(call.args[0]!, scope)
      const filter = call.filter === undefined ? undefined : binder.bind(call.filter, scope)
      if (filter !== undefined) binder.requireBoolean(filter, 'FILTER')
      const aggregate = binder.at(call.span, () => bindAggregate(name, arg?.type, call.distinct, separator))
      aggregates.push({
        aggregate,
        ...(arg === undefined ? {} : { arg }),
        ...(filter === undefined ? {} : { filter }),
        distinct: call.distinct,
        text: binder.text(call.span),
      })
      aggregateTexts.push(text)

      return ref(keyFields.length + aggregates.length - 1, name.toLowerCase(), aggregate.type, call)
    },
  }

  return {
    scope: { ...scope, grouping },
    node: () => ({
      kind: 'aggregate',
      input,
      keys,
      aggregates,
      // Without EMIT, a windowed aggregation emits when its window closes, an unwindowed one on every change.
      emit: st.emit?.mode ?? (window === undefined ? 'changes' : 'final'),
      ...(window === undefined ? {} : { window: window.spec }),
      schema: new Schema([
        ...keyFields,
        ...aggregates.map((a, i) => ({ name: `agg_${i + 1}`, type: a.aggregate.type, nullable: a.aggregate.nullable })),
      ]),
    }),
  }
}

/** A column keeps its name, CAST(x AS ...) the name of x, a function call its lower-case name. */
function defaultName(e: BoundExpr, position: number): string {
  if (e.kind === 'column') return e.name
  if (e.kind === 'meta') return e.field
  if (e.kind === 'call' && (e.name === 'CAST' || e.name === 'TRY_CAST')) return defaultName(e.args[0]!, position)
  if (e.kind === 'try') return defaultName(e.arg, position)
  if (e.kind === 'call' && /^[A-Z_][A-Z0-9_]*$/.test(e.name)) return e.name.toLowerCase()

  return `col_${position + 1}`
}
