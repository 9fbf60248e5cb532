import { type Field, T } from '@ferris/core'
import type { ExpressionBinder, Scope } from '../analyzer/bind-expression.js'
import type { BoundExpr } from '../analyzer/bound-expr.js'
import { parseDuration, type StatementEndpoints } from '../analyzer/endpoints.js'
import type { Expr, Statement, WindowClause } from '../parser/ast.js'
import type { Span } from '../parser/source-text.js'
import type { WindowSpec } from './logical-plan.js'

const NANOS_PER_MS = 1_000_000n
const NANOS_PER_DAY = 86_400_000_000_000n

const FORMS: Readonly<Record<WindowClause['kind'], string>> = {
  tumbling: "WINDOW TUMBLING(event_time, INTERVAL '1' MINUTE) or WINDOW TUMBLING(5m)",
  sliding: "WINDOW SLIDING(event_time, INTERVAL '10' MINUTE, INTERVAL '1' MINUTE) or WINDOW SLIDING(10m, 1m)",
  session: "WINDOW SESSION(event_time, INTERVAL '30' SECOND) or WINDOW SESSION(30s)",
}

/**
 * Binds a WINDOW clause: the event time (a timestamp column, an integer column of epoch milliseconds, or the
 * record's own `_timestamp` when the clause names no column), the sizes (fixed durations), and the job's
 * watermark and lateness settings. Returns the spec and the `window_start`, `window_end` output columns.
 */
export function planWindow(
  clause: WindowClause,
  scope: Scope,
  binder: ExpressionBinder,
  endpoints: StatementEndpoints | undefined,
  statement: Statement,
): { spec: WindowSpec; fields: Field[] } {
  const settings = endpoints?.settings
  checkLateRecordsPolicy(binder, endpoints, statement, clause.span)
  const args = [...clause.args]
  const durations = clause.kind === 'sliding' ? 2 : 1
  const hasColumn = args.length === durations + 1
  if (args.length !== durations && !hasColumn) {
    throw binder.error(
      clause.span,
      `WINDOW ${clause.kind.toUpperCase()} takes ${durations} or ${durations + 1} arguments, but ${args.length} were given`,
      { value: binder.text(clause.span), hint: `Write ${FORMS[clause.kind]}` },
    )
  }
  let time: BoundExpr
  let timeInMillis = false
  if (hasColumn) {
    time = binder.bind(args.shift()!, scope)
    const kind = time.type.kind
    if (kind === 'int32' || kind === 'int64') timeInMillis = true
    else if (kind !== 'timestamp') {
      throw binder.error(
        time.span,
        `The event time of a window must be a TIMESTAMP or an integer of epoch milliseconds, but ${time.text} is ${kind.toUpperCase()}`,
        {
          value: time.text,
          hint: `Convert it, e.g. WINDOW ${clause.kind.toUpperCase()}(CAST(${time.text} AS TIMESTAMP), ...), or use the record timestamp: WINDOW ${clause.kind.toUpperCase()}(5m)`,
        },
      )
    }
  } else {
    time = { kind: 'meta', field: '_timestamp', type: T.timestamp('ns'), text: '_timestamp', span: clause.span }
  }
  const [size, advance] = args.map((a) => fixedDuration(a, binder, clause))
  if (advance !== undefined && advance > size!) {
    throw binder.error(
      args[1]!.span,
      'The advance of a sliding window is longer than the window, so records between windows would be lost',
      {
        value: binder.text(args[1]!.span),
        hint: 'Make the advance at most the window size; a tumbling window is a sliding one with advance = size',
      },
    )
  }
  const watermarkDelay = watermarkDelayOf(binder, endpoints, clause.span)
  const unitType = time.type.kind === 'timestamp' ? time.type : T.timestamp(timeInMillis ? 'ms' : 'ns')
  const spec: WindowSpec = {
    kind: clause.kind,
    time,
    timeInMillis,
    size: size!,
    ...(advance === undefined ? {} : { advance }),
    watermarkDelay,
    lateRecords: settings?.lateRecords ?? 'drop',
    allowedLateness: BigInt(settings?.allowedLatenessMs ?? 0) * NANOS_PER_MS,
    ...(settings?.idleTimeoutMs === undefined ? {} : { idleTimeout: BigInt(settings.idleTimeoutMs) * NANOS_PER_MS }),
  }

  return {
    spec,
    fields: [
      { name: 'window_start', type: unitType, nullable: false },
      { name: 'window_end', type: unitType, nullable: false },
    ],
  }
}

/**
 * `job.late_records = 'dead_letter'` hands late records to the bad-record policy, which must then be
 * `dead_letter` too, or the first late record would fail the job.
 */
export function checkLateRecordsPolicy(
  binder: ExpressionBinder,
  endpoints: StatementEndpoints | undefined,
  statement: Statement,
  span: Span,
): void {
  const source = endpoints?.sources[0]
  const policy = (key: string) => endpoints?.recovery[key]?.toLowerCase()
  const deadLetters =
    policy('job.bad_records') === 'dead_letter' || policy(`${source?.name}.bad_records`) === 'dead_letter'
  if (endpoints?.settings.lateRecords === 'dead_letter' && !deadLetters) {
    const p = statement.properties.find((x) => x.key.toLowerCase() === 'job.late_records')
    throw binder.error(
      p?.valueSpan ?? span,
      "job.late_records = 'dead_letter' hands late records to the bad-record policy, but job.bad_records is not 'dead_letter'",
      {
        value: 'dead_letter',
        hint: "Add 'job.bad_records' = 'dead_letter' and a 'job.dlq.uri', or use 'drop' (counted) or 'update'",
      },
    )
  }
}

/** `'<source>.watermark.delay'` of the statement's stream, in nanoseconds (0 when not set). */
export function watermarkDelayOf(
  binder: ExpressionBinder,
  endpoints: StatementEndpoints | undefined,
  span: Span,
): bigint {
  const source = endpoints?.sources[0]
  const delayText = source?.engineProperties?.['watermark.delay']
  if (delayText === undefined) return 0n
  const ms = parseDuration(delayText.value)
  if (ms === undefined) {
    throw binder.error(
      delayText.span ?? span,
      `'${source!.name}.watermark.delay' = '${delayText.value}' is not a duration`,
      {
        value: delayText.value,
        expected: 'a duration such as 0, 500ms, 10s, 1m',
      },
    )
  }

  return BigInt(ms) * NANOS_PER_MS
}

function fixedDuration(e: Expr, binder: ExpressionBinder, clause: WindowClause): bigint {
  if (e.kind !== 'interval' || e.months !== 0) {
    throw binder.error(e.span, `A window size must be a fixed duration, but found ${binder.text(e.span)}`, {
      value: binder.text(e.span),
      expected: "an interval literal without months or years: INTERVAL '1' MINUTE, 5m, 30s, 100ms",
      hint: `Write ${FORMS[clause.kind]}`,
    })
  }
  const nanos = BigInt(e.days) * NANOS_PER_DAY + e.nanos
  if (nanos <= 0n) {
    throw binder.error(e.span, `A window size must be positive, but ${binder.text(e.span)} is not`, {
      value: binder.text(e.span),
    })
  }

  return nanos
}
