import { type EndpointRole, getTimeZone } from '@ferris/core'
import { isRecoveryProperty } from '@ferris/recovery'
import type { Application, Property, Statement } from '../parser/ast.js'
import type { SourceText, Span } from '../parser/source-text.js'
import { subqueriesOf, tableStatements } from './subqueries.js'
import { closest, didYouMean } from './suggest.js'

/** One source or sink of a statement, with its connector properties (prefix removed). */
export interface EndpointRef {
  readonly name: string
  readonly role: EndpointRole
  /**
   * Connector properties with the `name.` prefix removed. Recovery keys (`bad_records`, `dlq.*`, `retry.*`,
   * `breaker.*`, `timeout`) are taken out: they go to the job's recovery configuration.
   */
  readonly properties: Readonly<Record<string, string>>
  /** Where the endpoint is named in the statement (FROM, INTO, the stream name). */
  readonly span: Span
  /** Where each property came from, for errors; absent for `--set` overrides. */
  readonly propertySpans: Readonly<Record<string, Span>>
  /**
   * Keys the engine reads itself and the connector never sees (`schema`, `watermark.delay`), prefix removed,
   * with where their value is written (absent for `--set` overrides).
   */
  readonly engineProperties?: Readonly<Record<string, { readonly value: string; readonly span?: Span }>>
}

/** Source keys the engine takes out of the connector properties: `<source>.schema`, `<source>.watermark.delay`. */
export const ENGINE_SOURCE_KEYS: readonly string[] = ['schema', 'watermark.delay']

export interface JobSettings {
  readonly name: string
  readonly checkpointDir?: string
  readonly checkpointIntervalMs?: number
  readonly batchSize: number
  readonly timeZone: string
  /** `job.late_records`: drop (default, counted) | dead_letter | update. */
  readonly lateRecords?: 'drop' | 'dead_letter' | 'update'
  readonly allowedLatenessMs?: number
  readonly idleTimeoutMs?: number
  /** `job.state.ttl`: GROUP BY (without a window) drops a group no row changed for this long. */
  readonly stateTtlMs?: number
}

/** The `job.*` keys, with what each accepts. */
export const JOB_KEYS: Readonly<Record<string, string>> = {
  'job.name': 'the job name: checkpoints and sink ids derive from it',
  'job.checkpoint.dir': 'folder of the job checkpoint (default .ferris/checkpoints/<job name>)',
  'job.checkpoint.interval': 'time between checkpoints: 500ms, 10s, 1m (default 10s)',
  'job.batch_size': 'records per batch read (default 1024)',
  'job.time_zone': 'session time zone for local timestamps (default UTC)',
  'job.late_records': 'what happens to records of closed windows: drop (default, counted) | dead_letter | update',
  'job.allowed_lateness': "with 'update': how long after its end a window still takes late records (default 0)",
  'job.idle_timeout': 'after this long without records the watermark follows the wall clock (default: never)',
  'job.state.ttl':
    'GROUP BY without a window drops a group no row changed for this long, by processing time (default: never)',
}

const JOB_SUGGESTIONS = [
  ...Object.keys(JOB_KEYS),
  'job.bad_records',
  'job.dlq.uri',
  'job.retry.max_attempts',
  'job.retry.backoff',
  'job.breaker.failure_threshold',
  'job.timeout',
]

interface PropertyValue {
  readonly value: string
  readonly property?: Property
}

export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text)
  if (m === null) return undefined
  const n = Number(m[1])
  const unit = (m[2] ?? 'ms').toLowerCase()
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!

  return Math.round(n * factor)
}

/** What each statement reads and writes, and its job settings, from the WITH clauses and `--set` overrides. */
export interface StatementEndpoints {
  readonly statement: Statement
  readonly sources: EndpointRef[]
  /** Absent for a bare SELECT: its rows go to the caller. */
  readonly sink?: EndpointRef
  readonly settings: JobSettings
  /**
   * The statement's recovery properties, prefixes kept (`job.bad_records`, `orders.dlq.uri`), for
   * `parseRecoveryConfig` of @ferris/recovery.
   */
  readonly recovery: Readonly<Record<string, string>>
}

/**
 * Gathers the endpoints of every statement. Properties of all WITH clauses form one namespace (a source
 * configured once can be read by several statements); `job.*` keys belong to their own statement; `set`
 * (`--set key=value`) overrides both. Unknown prefixes and job keys fail here, pointing at the key.
 */
export function collectEndpoints(
  app: Application,
  source: SourceText,
  set: Readonly<Record<string, string>> = {},
): StatementEndpoints[] {
  const global = new Map<string, PropertyValue>()
  for (const st of [...app.statements, ...(app.declarations ?? [])]) {
    for (const p of st.properties) {
      if (p.key.toLowerCase().startsWith('job.')) continue
      const earlier = global.get(p.key)
      if (earlier !== undefined && earlier.value !== p.value) {
        const at = source.locate(earlier.property!.span.start)
        throw source.error(
          'FERRIS_CONFIG_INVALID',
          p.keySpan,
          `Property '${p.key}' is set twice with different values`,
          {
            value: p.value,
            hint: `It is '${earlier.value}' at line ${at.line}, column ${at.column}; keep one of them`,
          },
        )
      }
      global.set(p.key, { value: p.value, property: p })
    }
  }
  for (const [k, v] of Object.entries(set)) if (!k.toLowerCase().startsWith('job.')) global.set(k, { value: v })

  // Names every statement reads or writes: the only prefixes a property may have.
  const tables = tableStatements(app.statements)
  const configured = (name: string) => {
    const lower = `${name.toLowerCase()}.`
    return [...global.keys()].some((k) => k.toLowerCase().startsWith(lower))
  }
  const perStatement = app.statements.map((st) => {
    const sources: Array<{ name: string; span: Span; uri?: string }> = []
    let anonymous = 0
    // A CREATE TABLE ... AS SELECT read as a table is computed in the reading job: its sources are read there.
    const expanding = new Set<string>()
    const visitQuery = (query: Statement['query'], asTable: boolean): void => {
      visit(query.from, asTable)
      for (const sub of subqueriesOf(query)) visitQuery(sub, true)
    }
    const visit = (item: Statement['query']['from'], asTable = false): void => {
      switch (item.kind) {
        case 'named': {
          const table = tables.get(item.name.name.toLowerCase())
          if (table !== undefined && table !== st && (asTable || !configured(table.name.name))) {
            if (expanding.has(table.name.name.toLowerCase())) {
              throw source.error('FERRIS_SQL_SEMANTIC', item.name.span, `Table ${table.name.name} reads itself`, {
                value: table.name.name,
                hint: 'A CREATE TABLE ... AS SELECT cannot read, directly or through other tables, its own rows',
              })
            }
            expanding.add(table.name.name.toLowerCase())
            visitQuery(table.query, false)
            expanding.delete(table.name.name.toLowerCase())
            break
          }
          if (!sources.some((x) => x.name.toLowerCase() === item.name.name.toLowerCase()))
            sources.push({ name: item.name.name, span: item.name.span })
          break
        }
        case 'uri': {
          anonymous++
          const name = item.alias?.name ?? `source_${st.index + 1}${anonymous > 1 ? `_${anonymous}` : ''}`
          sources.push({ name, span: item.span, uri: item.uri })
          break
        }
        case 'subquery':
          visit(item.query.from)
          break
        case 'join':
          visit(item.left, asTable)
          visit(item.right, true)
          break
      }
    }
    visitQuery(st.query, false)
    const sink =
      st.kind === 'create_stream' || st.kind === 'create_table'
        ? { name: st.name.name, span: st.name.span }
        : st.kind === 'insert'
          ? { name: st.target.name, span: st.target.span }
          : undefined

    return { st, sources, sink }
  })
  const allNames = new Set<string>()
  for (const s of perStatement) {
    for (const x of s.sources) allNames.add(x.name.toLowerCase())
    if (s.sink !== undefined) allNames.add(s.sink.name.toLowerCase())
  }
  for (const d of app.declarations ?? []) allNames.add(d.name.name.toLowerCase())
  const knownNames = [
    ...new Set([
      ...perStatement.flatMap((s) => [...s.sources.map((x) => x.name), ...(s.sink ? [s.sink.name] : [])]),
      ...(app.declarations ?? []).map((d) => d.name.name),
    ]),
  ]

  // A misspelled name in FROM/INTO leaves its properties unclaimed: point at the name, naming the prefix.
  const prefixes = [...global.keys()].filter((k) => k.indexOf('.') > 0).map((k) => k.slice(0, k.indexOf('.')))
  const unclaimed = [...new Set(prefixes)].filter((p) => p.toLowerCase() !== 'job' && !allNames.has(p.toLowerCase()))
  for (const { st, sources, sink } of perStatement) {
    const tableOnly = st.kind === 'create_table' && !configured(st.name.name)
    for (const [ep, role] of [
      ...sources.map((x) => [x, 'Source'] as const),
      ...(sink === undefined || tableOnly ? [] : [[sink, 'Sink'] as const]),
    ]) {
      if ('uri' in ep && ep.uri !== undefined) continue
      if (prefixes.some((p) => p.toLowerCase() === ep.name.toLowerCase())) continue
      const guess = closest(ep.name, unclaimed)
      if (guess.length === 0) continue
      throw source.error(
        'FERRIS_CONFIG_INVALID',
        ep.span,
        `${role} "${ep.name}" is not configured, but the WITH clause configures "${guess[0]}", which no statement names. Did you mean "${guess[0]}"?`,
        {
          value: ep.name,
          expected: `one of the configured names: ${[...new Set(prefixes)].filter((p) => p !== 'job').join(', ')}`,
          hint: `Rename one of them so that they match: FROM ${guess[0]}, or '${ep.name}.…' keys`,
        },
      )
    }
  }

  for (const [key, pv] of global) {
    const dot = key.indexOf('.')
    const prefix = dot < 0 ? key : key.slice(0, dot)
    if (dot > 0 && allNames.has(prefix.toLowerCase())) continue
    const span = pv.property?.keySpan
    const guess = closest(prefix, [...knownNames, 'job'])
    const suggestion = guess.length > 0 ? ` Did you mean '${guess[0]}${dot < 0 ? '.' : key.slice(dot)}'?` : ''
    const message =
      dot < 0
        ? `Property '${key}' names no source or sink: keys are written 'name.key'.${suggestion}`
        : `Property '${key}' belongs to no source or sink of the application.${suggestion}`
    const details = {
      value: key,
      expected: `keys starting with ${[...knownNames, 'job'].map((n) => `'${n}.'`).join(', ')}`,
      hint: `Sources and sinks are named in FROM, INSERT INTO and CREATE STREAM; known here: ${knownNames.join(', ') || '(none)'}`,
    }
    if (span === undefined)
      throw source.error('FERRIS_CONFIG_INVALID', { start: 0, end: 0 }, `--set ${message}`, details)
    throw source.error('FERRIS_CONFIG_INVALID', span, message, details)
  }

  const endpointOf = (name: string, role: EndpointRole, span: Span, uri?: string): EndpointRef => {
    const lower = `${name.toLowerCase()}.`
    const properties: Record<string, string> = uri === undefined ? {} : { uri }
    const propertySpans: Record<string, Span> = {}
    const engineProperties: Record<string, { value: string; span?: Span }> = {}
    for (const [key, pv] of global) {
      if (!key.toLowerCase().startsWith(lower)) continue
      const sub = key.slice(lower.length)
      if (pv.property !== undefined) propertySpans[sub] = pv.property.keySpan
      // Also kept from a sink: a stream one statement writes may be the source another one reads.
      if (ENGINE_SOURCE_KEYS.includes(sub.toLowerCase())) {
        engineProperties[sub.toLowerCase()] = {
          value: pv.value,
          ...(pv.property === undefined ? {} : { span: pv.property.valueSpan }),
        }
      } else if (!isRecoveryProperty(sub)) properties[sub] = pv.value
    }
    if (Object.keys(properties).length === 0) {
      const kind = role === 'source' ? 'Source' : 'Sink'
      throw source.error('FERRIS_CONFIG_INVALID', span, `${kind} "${name}" is not configured`, {
        value: name,
        expected: `'${name}.uri' = '<connection string>' or '${name}.type' = '<connector type>' in a WITH clause`,
        hint: `Add for example WITH ('${name}.uri' = '${role === 'source' ? 'file:///data/in.csv' : 'file:///data/out.csv'}')`,
      })
    }

    return {
      name,
      role,
      properties,
      span,
      propertySpans,
      ...(Object.keys(engineProperties).length === 0 ? {} : { engineProperties }),
    }
  }

  // A table nothing configures is not a job: the jobs that read it compute it.
  const jobs = perStatement.filter(({ st }) => st.kind !== 'create_table' || configured(st.name.name))
  return jobs.map(({ st, sources, sink }) => {
    const settings = jobSettings(st, source, set, sink?.name ?? `select_${st.index + 1}`)
    const names = [...sources.map((x) => x.name), ...(sink === undefined ? [] : [sink.name])].map((n) =>
      n.toLowerCase(),
    )
    const recovery: Record<string, string> = {}
    const recoveryOf = (key: string, value: string) => {
      const dot = key.indexOf('.')
      const prefix = key.slice(0, dot).toLowerCase()
      if ((prefix === 'job' || names.includes(prefix)) && isRecoveryProperty(key.slice(dot + 1))) recovery[key] = value
    }
    for (const [key, pv] of global) recoveryOf(key, pv.value)
    for (const p of st.properties) if (p.key.toLowerCase().startsWith('job.')) recoveryOf(p.key, p.value)
    for (const [k, v] of Object.entries(set)) if (k.toLowerCase().startsWith('job.')) recoveryOf(k, v)

    return {
      statement: st,
      recovery,
      sources: sources.map((s) => endpointOf(s.name, 'source', s.span, s.uri)),
      ...(sink === undefined ? {} : { sink: endpointOf(sink.name, 'sink', sink.span) }),
      settings,
    }
  })
}

function jobSettings(
  st: Statement,
  source: SourceText,
  set: Readonly<Record<string, string>>,
  defaultName: string,
): JobSettings {
  const values = new Map<string, PropertyValue>()
  for (const p of st.properties)
    if (p.key.toLowerCase().startsWith('job.')) values.set(p.key.toLowerCase(), { value: p.value, property: p })
  for (const [k, v] of Object.entries(set))
    if (k.toLowerCase().startsWith('job.')) values.set(k.toLowerCase(), { value: v })
  for (const [key, pv] of values) {
    if (key in JOB_KEYS || isRecoveryProperty(key.slice('job.'.length))) continue
    const span = pv.property?.keySpan ?? { start: 0, end: 0 }
    throw source.error(
      'FERRIS_CONFIG_INVALID',
      span,
      `Unknown job setting '${key}'.${didYouMean(key, JOB_SUGGESTIONS)}`,
      {
        value: key,
        expected: `one of ${JOB_SUGGESTIONS.join(', ')}`,
      },
    )
  }
  const bad = (key: string, pv: PropertyValue, expected: string) =>
    source.error(
      'FERRIS_CONFIG_INVALID',
      pv.property?.valueSpan ?? { start: 0, end: 0 },
      `'${key}' = '${pv.value}' is not valid`,
      {
        value: pv.value,
        expected,
      },
    )
  const name = values.get('job.name')?.value ?? defaultName
  if (!/^[\w.-]+$/.test(name)) throw bad('job.name', values.get('job.name')!, 'letters, digits, _, - and .')
  const interval = values.get('job.checkpoint.interval')
  const checkpointIntervalMs = interval === undefined ? undefined : parseDuration(interval.value)
  if (interval !== undefined && (checkpointIntervalMs === undefined || checkpointIntervalMs <= 0)) {
    throw bad('job.checkpoint.interval', interval, 'a duration such as 500ms, 10s, 1m')
  }
  const batch = values.get('job.batch_size')
  const batchSize = batch === undefined ? 1024 : Number(batch.value)
  if (batch !== undefined && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1_000_000)) {
    throw bad('job.batch_size', batch, 'a whole number from 1 to 1000000')
  }
  const dir = values.get('job.checkpoint.dir')?.value
  const late = values.get('job.late_records')
  const lateRecords = late?.value.toLowerCase()
  if (late !== undefined && lateRecords !== 'drop' && lateRecords !== 'dead_letter' && lateRecords !== 'update') {
    throw bad('job.late_records', late, 'drop, dead_letter or update')
  }
  const durations: Record<string, number> = {}
  for (const [key, field] of [
    ['job.allowed_lateness', 'allowedLatenessMs'],
    ['job.idle_timeout', 'idleTimeoutMs'],
    ['job.state.ttl', 'stateTtlMs'],
  ] as const) {
    const pv = values.get(key)
    if (pv === undefined) continue
    const ms = parseDuration(pv.value)
    if (ms === undefined) throw bad(key, pv, 'a duration such as 500ms, 10s, 1m')
    if (key === 'job.state.ttl' && ms <= 0) throw bad(key, pv, 'a duration above zero such as 30m, 1h, 7d')
    durations[field] = ms
  }

  const zone = values.get('job.time_zone')
  if (zone !== undefined) {
    try {
      getTimeZone(zone.value)
    } catch {
      throw bad('job.time_zone', zone, 'an IANA time zone such as Europe/Lisbon, or an offset such as +05:30')
    }
  }

  return {
    name,
    batchSize,
    timeZone: zone?.value ?? 'UTC',
    ...(lateRecords === undefined ? {} : { lateRecords: lateRecords as 'drop' | 'dead_letter' | 'update' }),
    ...durations,
    ...(dir === undefined ? {} : { checkpointDir: dir }),
    ...(checkpointIntervalMs === undefined ? {} : { checkpointIntervalMs }),
  }
}
