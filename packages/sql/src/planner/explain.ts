import type { ApplicationPlan, JobPlan, PlanNode } from './logical-plan.js'

const STATEMENT_KIND = {
  create_stream: 'CREATE STREAM',
  create_table: 'CREATE TABLE',
  insert: 'INSERT INTO',
  select: 'SELECT',
} as const

/**
 * The operator tree of every job as text, sink at the top and scan at the bottom, the way rows flow upward:
 *
 * ```
 * Job big_orders (CREATE STREAM, EMIT CHANGES)
 *   Sink big_orders [file] (id BIGINT, amount DECIMAL(10, 2))
 *     Filter amount > 1000
 *       Scan orders [kafka] (id BIGINT, amount DECIMAL(10, 2))
 * ```
 */
export function explain(plan: ApplicationPlan): string {
  return plan.jobs.map(explainJob).join('\n\n')
}

export function explainJob(job: JobPlan): string {
  const lines: string[] = []
  const flags = [
    STATEMENT_KIND[job.statement.kind],
    ...(job.emit === undefined ? [] : [`EMIT ${job.emit.toUpperCase()}`]),
  ]
  lines.push(`Job ${job.name} (${flags.join(', ')})`)
  const connector = (name: string) => (job.connectors[name] === undefined ? '' : ` [${job.connectors[name]}]`)
  if (job.sink.kind === 'endpoint') {
    const name = job.sink.endpoint.name
    lines.push(`  Sink ${name}${connector(name)} (${job.root.schema.toString()})`)
  } else {
    lines.push(`  Output to caller (${job.root.schema.toString()})`)
  }
  const walk = (node: PlanNode, depth: number): void => {
    const pad = '  '.repeat(depth)
    switch (node.kind) {
      case 'scan':
        lines.push(`${pad}Scan ${node.source}${connector(node.source)} (${node.schema.toString()})`)
        return
      case 'filter':
        lines.push(`${pad}Filter ${node.predicate.text}`)
        break
      case 'project':
        lines.push(
          `${pad}Project ${node.exprs
            .map((e, i) => {
              const name = node.schema.fields[i]!.name
              return e.text === name ? name : `${e.text} AS ${name}`
            })
            .join(', ')}`,
        )
        break
      case 'limit':
        lines.push(`${pad}Limit ${node.count}`)
        break
      case 'join': {
        const on = node.streamKeys.map((k, i) => `${k.text} = ${node.tableKeys[i]!.text}`).join(' AND ')
        const rest = node.residual === undefined ? '' : ` AND ${node.residual.text}`
        const iv = node.interval
        if (iv === undefined) {
          lines.push(`${pad}Join ${node.type.toUpperCase()} lookup table ${node.table.source} ON ${on}${rest}`)
          break
        }
        const bound = (offset: bigint) =>
          offset === 0n
            ? iv.streamTime.text
            : `${iv.streamTime.text} ${offset < 0n ? '-' : '+'} ${duration(offset < 0n ? -offset : offset)}`
        const lateness = iv.lateRecords === 'update' ? ` within ${duration(iv.allowedLateness)}` : ''
        lines.push(
          `${pad}Join ${node.type.toUpperCase()} interval stream ${node.table.source} ON ${on}${rest}; ${iv.tableTime.text} in [${bound(iv.lower)}, ${bound(iv.upper)}], watermark delay ${duration(iv.delay)}, late records ${iv.lateRecords}${lateness}`,
        )
        break
      }
      case 'over': {
        const order =
          node.order.kind === 'event_time'
            ? `event time ${node.orderBy[0]!.expr.text}, watermark delay ${duration(node.order.watermarkDelay)}, late records ${node.order.lateRecords}`
            : 'sorted at end of input (bounded input only)'
        const calls = node.calls.map((c) => (c.fn === 'AGGREGATE' ? `${c.text} [${c.frame.text}]` : c.text)).join(', ')
        lines.push(`${pad}RowWindow ${node.text}: ${order}; ${calls}`)
        break
      }
      case 'aggregate': {
        const keys = node.keys.length === 0 ? '' : ` by ${node.keys.map((k) => k.text).join(', ')}`
        const aggs = node.aggregates.map((a) => a.text).join(', ')
        const w = node.window
        const window =
          w === undefined
            ? ''
            : ` window ${w.kind.toUpperCase()}(${w.time.text}, ${duration(w.size)}${w.advance === undefined ? '' : `, ${duration(w.advance)}`}), watermark delay ${duration(w.watermarkDelay)}, late records ${w.lateRecords};`
        const having = node.having === undefined ? '' : ` HAVING ${node.having.text}`
        lines.push(`${pad}Aggregate${keys}:${window} ${aggs}${having} (EMIT ${node.emit.toUpperCase()})`)
        break
      }
    }
    walk(node.input, depth + 1)
  }
  walk(job.root, 2)
  // The tables the job reads beside its stream, and the subqueries that read them.
  for (const t of job.tables ?? []) {
    const key = t.key === undefined ? '' : `, keyed by ${t.key.map((k) => t.schema.fields[k]!.name).join(', ')}`
    const how = t.live ? 'kept current by its changes' : 'read to its end'
    lines.push(`  Table ${t.name}${connector(t.source)} (${t.schema.toString()}): ${how}${key}`)
    if (t.query !== undefined) walk(t.query, 2)
  }
  for (const q of job.subqueries ?? []) {
    const what =
      q.kind === 'in'
        ? `${q.negated ? 'NOT IN' : 'IN'} ${q.value!.text}`
        : q.kind === 'exists'
          ? q.negated
            ? 'NOT EXISTS'
            : 'EXISTS'
          : `scalar ${q.aggregate === undefined ? q.value!.text : q.aggregate.aggregate.name}`
    const where = q.filter === undefined ? '' : ` where ${q.filter.text}`
    const on =
      q.inner.length === 0
        ? ''
        : `, correlated ${q.inner.map((e, i) => `${e.text} = ${q.outer[i]!.text}`).join(' AND ')}`
    lines.push(`  Subquery ${q.id + 1}: ${what} over ${q.table}${where}${on}`)
  }

  return lines.join('\n')
}

/** A duration in nanoseconds in the largest unit that divides it: 1m, 30s, 250ms, 17ns. */
function duration(nanos: bigint): string {
  for (const [unit, n] of [
    ['d', 86_400_000_000_000n],
    ['h', 3_600_000_000_000n],
    ['m', 60_000_000_000n],
    ['s', 1_000_000_000n],
    ['ms', 1_000_000n],
    ['us', 1_000n],
  ] as const) {
    if (nanos !== 0n && nanos % n === 0n) return `${nanos / n}${unit}`
  }

  return nanos === 0n ? '0s' : `${nanos}ns`
}
