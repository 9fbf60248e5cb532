import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type ConnectorDefinition,
  type ConnectorPlugin,
  ConnectorRegistry,
  type DataSink,
  type DataWriter,
  FerrisError,
  Schema,
  T,
} from '@ferris/core'
import { type MemoryStore, memoryPlugin } from '@ferris/core/testing'
import { FerrisMetrics, HealthRegistry } from '@ferris/recovery'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { ORDERS, orderRows } from '../support/fixtures.js'

const cwd = () => mkdtempSync(join(tmpdir(), 'ferris-recovery-'))

/**
 * A connector double under `flaky://<table>`: the memory sink, whose writer's `write` (or `commit`) fails
 * with a retryable (or not) error for its first `failures` calls, or for `downForMs` milliseconds from its
 * first call, before touching the table.
 */
function flakyPlugin(
  failures: number,
  options: { method?: 'write' | 'commit'; retryable?: boolean; downForMs?: number } = {},
): { plugin: ConnectorPlugin; calls: { failed: number; ok: number }; store: MemoryStore } {
  const memory = memoryPlugin()
  const base = memory.connectors[0]!
  const calls = { failed: 0, ok: 0 }
  const method = options.method ?? 'write'
  let upAt: number | undefined
  const down = () => {
    if (options.downForMs === undefined) return calls.failed < failures
    upAt ??= Date.now() + options.downForMs
    return Date.now() < upAt
  }
  const flaky =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      if (down()) {
        calls.failed++
        throw new FerrisError('FERRIS_CONNECTION_FAILED', `flaky sink is down (failure ${calls.failed})`, {
          retryable: options.retryable ?? true,
        })
      }
      calls.ok++
      return fn(...a)
    }
  const definition: ConnectorDefinition = {
    ...base,
    scheme: 'flaky',
    typeNames: {},
    createSink: (opts, context) => {
      const sink = base.createSink!(opts, context)
      const wrapped: DataSink = {
        capabilities: sink.capabilities,
        open: () => sink.open(),
        validateSchema: (s) => sink.validateSchema(s),
        close: () => sink.close(),
        createWriter: async (o) => {
          const w = await sink.createWriter(o)
          const out: DataWriter = {
            write: method === 'write' ? flaky((b) => w.write(b)) : (b) => w.write(b),
            flush: () => w.flush(),
            commit: method === 'commit' ? flaky((i) => w.commit(i)) : (i) => w.commit(i),
            rollback: () => w.rollback(),
            close: () => w.close(),
          }
          return out
        },
      }
      return wrapped
    },
  }

  return {
    plugin: {
      name: 'flaky-double',
      version: memory.version,
      coreVersion: memory.coreVersion,
      connectors: [definition],
    },
    calls,
    // The double's sink writes into the memory plugin's store, which the test reads.
    store: memory.store,
  }
}

const setupFlaky = (failures: number, options?: Parameters<typeof flakyPlugin>[1]) => {
  const flaky = flakyPlugin(failures, options)
  const memory = memoryPlugin(flaky.store)
  const registry = new ConnectorRegistry().register(memory).register(flaky.plugin)

  return { registry, store: flaky.store, calls: flaky.calls }
}

/** The value of one sample of the Prometheus text, e.g. `ferris_records_in_total{job="app",source="orders"}`. */
async function sample(metrics: FerrisMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const text = await metrics.text()
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const inner = line.slice(name.length + 1, line.indexOf('}'))
    const parts = inner.split(',')
    if (want.every((w) => parts.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }

  throw new Error(`no sample ${name} ${JSON.stringify(labels)} in\n${text}`)
}

const SQL = (extra: string, delays = ['1ms', '5ms']) => `CREATE STREAM out AS SELECT id, qty FROM orders WHERE qty <> 3
  WITH ('orders.uri' = 'memory://orders', 'out.uri' = 'flaky://out', 'job.checkpoint.interval' = '1ms',
        'out.retry.initial_delay' = '${delays[0]}', 'out.retry.max_delay' = '${delays[1]}', 'job.batch_size' = '7'${extra})`

describe('runApplication: retries, breaker, metrics and health', () => {
  it('retries a sink that fails retryably, loses no record, and counts the retries', async () => {
    const { registry, store, calls } = setupFlaky(3)
    store.set('orders', orderRows(50), ORDERS)
    const metrics = new FerrisMetrics({ job: 'app' })
    const health = new HealthRegistry()
    const result = await runApplication(SQL(''), { registry, cwd: cwd(), observability: { metrics, health } })

    expect(calls.failed).toBe(3)
    const out = store.table('out').rows
    expect(out).toHaveLength(49)
    expect(new Set(out.map((r) => r[0])).size).toBe(49)
    expect(result.jobs[0]!.sink.written).toBe(49)
    expect(await sample(metrics, 'ferris_retries_total', { job: 'app', endpoint: 'out' })).toBe(3)
    expect(await sample(metrics, 'ferris_records_in_total', { job: 'app', source: 'orders' })).toBe(50)
    expect(await sample(metrics, 'ferris_records_out_total', { job: 'app', sink: 'out' })).toBe(49)
    expect(await sample(metrics, 'ferris_breaker_state', { job: 'app', endpoint: 'out' })).toBe(0)
    expect(await sample(metrics, 'ferris_checkpoint_duration_seconds_count', { job: 'app' })).toBe(
      result.jobs[0]!.checkpoints,
    )
    const snap = health.snapshot()
    expect(snap.status).toBe('healthy')
    expect(snap.components.map((c) => [c.name, c.kind, c.status])).toEqual(
      expect.arrayContaining([
        ['job:out', 'job', 'healthy'],
        ['orders', 'source', 'healthy'],
        ['out', 'sink', 'healthy'],
      ]),
    )
  })

  it('rides out an open breaker: the circuit opens, cools down, closes, and every record arrives', async () => {
    const { registry, store, calls } = setupFlaky(4, { method: 'commit' })
    store.set('orders', orderRows(20), ORDERS)
    const metrics = new FerrisMetrics({ job: 'app' })
    const health = new HealthRegistry()
    const states: string[] = []
    const original = health.report.bind(health)
    health.report = (name, status, reason, kind) => {
      if (name === 'out') states.push(status)
      original(name, status, reason, kind)
    }
    await runApplication(
      // Waits between attempts longer than the cool-down, so a retry finds the circuit half-open.
      SQL(
        ", 'out.breaker.failure_threshold' = '2', 'out.breaker.cooldown' = '20ms', 'out.retry.max_attempts' = '10', 'out.retry.backoff' = 'fixed'",
        ['30ms', '30ms'],
      ),
      { registry, cwd: cwd(), observability: { metrics, health } },
    )

    expect(calls.failed).toBe(4)
    expect(store.table('out').rows).toHaveLength(19)
    expect(
      await sample(metrics, 'ferris_breaker_opened_total', { job: 'app', endpoint: 'out' }),
    ).toBeGreaterThanOrEqual(1)
    expect(states).toContain('degraded')
    expect(states.at(-1)).toBe('healthy')
    expect(health.status('out')).toBe('healthy')
  })

  it('holds the job back while the sink is down for a while, then delivers every record exactly once', async () => {
    const { registry, store, calls } = setupFlaky(0, { downForMs: 600 })
    store.set('orders', orderRows(200), ORDERS)
    const metrics = new FerrisMetrics({ job: 'app' })
    const health = new HealthRegistry()
    const started = Date.now()
    const result = await runApplication(
      SQL(
        ", 'out.breaker.failure_threshold' = '3', 'out.breaker.cooldown' = '50ms', 'out.retry.max_attempts' = '100', 'out.retry.backoff' = 'fixed'",
        ['60ms', '60ms'],
      ),
      { registry, cwd: cwd(), observability: { metrics, health } },
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(600)
    expect(calls.failed).toBeGreaterThanOrEqual(3)
    const ids = store.table('out').rows.map((r) => r[0])
    expect(ids).toHaveLength(199)
    expect(new Set(ids).size).toBe(199)
    expect(result.jobs[0]!.sink.written).toBe(199)
    // Each wait (60 ms) outlasts the cool-down (50 ms), so every retry reaches the sink: one per failure.
    expect(await sample(metrics, 'ferris_retries_total', { endpoint: 'out' })).toBe(calls.failed)
    expect(await sample(metrics, 'ferris_breaker_opened_total', { endpoint: 'out' })).toBeGreaterThanOrEqual(1)
    expect(await sample(metrics, 'ferris_breaker_state', { endpoint: 'out' })).toBe(0)
    expect(health.status('out')).toBe('healthy')
  })

  it('does not retry an error that is not retryable, and marks the job unhealthy', async () => {
    const { registry, store, calls } = setupFlaky(1, { retryable: false })
    store.set('orders', orderRows(10), ORDERS)
    const metrics = new FerrisMetrics({ job: 'app' })
    const health = new HealthRegistry()
    await expect(
      runApplication(SQL(''), { registry, cwd: cwd(), observability: { metrics, health } }),
    ).rejects.toMatchObject({ code: 'FERRIS_CONNECTION_FAILED', message: expect.stringMatching(/flaky sink is down/) })
    expect(calls.failed).toBe(1)
    expect(calls.ok).toBe(0)
    expect(health.snapshot().status).toBe('unhealthy')
    expect(health.snapshot().components.find((c) => c.name === 'job:out')?.reason).toMatch(/flaky sink is down/)
    await expect(sample(metrics, 'ferris_retries_total', { endpoint: 'out' })).rejects.toThrow(/no sample/)
  })

  it('gives up when the outage outlasts the retry budget, with the sink unhealthy', async () => {
    const { registry, store, calls } = setupFlaky(100)
    store.set('orders', orderRows(10), ORDERS)
    const metrics = new FerrisMetrics({ job: 'app' })
    const health = new HealthRegistry()
    await expect(
      runApplication(SQL(", 'out.retry.max_attempts' = '3', 'out.breaker.failure_threshold' = '0'"), {
        registry,
        cwd: cwd(),
        observability: { metrics, health },
      }),
    ).rejects.toMatchObject({ code: 'FERRIS_CONNECTION_FAILED' })
    expect(calls.failed).toBe(3)
    expect(await sample(metrics, 'ferris_retries_total', { endpoint: 'out' })).toBe(2)
    expect(await sample(metrics, 'ferris_retry_give_ups_total', { endpoint: 'out' })).toBe(1)
    expect(health.status('out')).toBe('unhealthy')
    expect(store.has('out') ? store.table('out').rows : []).toHaveLength(0)
  })

  it('still retries the final flush and commit of a job that was stopped', async () => {
    const { registry, store, calls } = setupFlaky(2, { method: 'commit' })
    store.set('orders', orderRows(30), ORDERS)
    const metrics = new FerrisMetrics({ job: 'app' })
    const controller = new AbortController()
    const result = await runApplication(
      `CREATE STREAM out AS SELECT id FROM orders
       WITH ('orders.uri' = 'memory://orders?follow=true', 'out.uri' = 'flaky://out', 'job.checkpoint.interval' = '1h',
             'out.retry.initial_delay' = '1ms', 'out.retry.max_delay' = '5ms')`,
      {
        registry,
        cwd: cwd(),
        signal: controller.signal,
        observability: { metrics },
        onProgress: (p) => {
          if (p.jobs[0]!.sink.written === 30) controller.abort(new Error('stop'))
        },
      },
    )
    expect(result.jobs[0]!.state).toBe('cancelled')
    // The only commit is the one after the stop: it failed twice and was retried.
    expect(calls.failed).toBe(2)
    expect(store.table('out').rows).toHaveLength(30)
    expect(await sample(metrics, 'ferris_retries_total', { endpoint: 'out' })).toBe(2)
  })

  it('reports the watermark lag of an event-time job', async () => {
    const { registry, store } = setupFlaky(0)
    const hourAgo = BigInt(Date.now() - 3_600_000) * 1_000_000n
    const readings = Schema.of(['station', T.string], ['ts', T.timestamp('ns')], ['temp', T.int32])
    store.set(
      'readings',
      Array.from({ length: 60 }, (_, i) => ['a', hourAgo + BigInt(i) * 1_000_000_000n, i]),
      readings,
    )
    const metrics = new FerrisMetrics({ job: 'app' })
    await runApplication(
      `CREATE STREAM per_minute AS SELECT station, COUNT(*) AS n FROM readings
       GROUP BY station WINDOW TUMBLING(ts, INTERVAL '1' MINUTE)
       WITH ('readings.uri' = 'memory://readings', 'readings.watermark.delay' = '1m', 'per_minute.uri' = 'memory://pm')`,
      { registry, cwd: cwd(), observability: { metrics } },
    )
    // The last event is 59 s after an hour ago and the watermark a minute behind it: about 3601 s of lag.
    const lag = await sample(metrics, 'ferris_watermark_lag_seconds', { source: 'readings' })
    expect(lag).toBeGreaterThanOrEqual(3600)
    expect(lag).toBeLessThan(3660)
  })

  it('counts bad records by origin and action', async () => {
    const { registry, store } = setupFlaky(0)
    store.set(
      'orders',
      orderRows(10).map((r, i) => (i === 2 || i === 5 ? ['bad', ...r.slice(1)] : r)),
      ORDERS,
    )
    const metrics = new FerrisMetrics({ job: 'app' })
    await runApplication(SQL(", 'orders.bad_records' = 'skip'"), { registry, cwd: cwd(), observability: { metrics } })
    expect(await sample(metrics, 'ferris_bad_records_total', { origin: 'orders', action: 'skipped' })).toBe(2)
    expect(await sample(metrics, 'ferris_records_in_total', { source: 'orders' })).toBe(8)
  })
})

describe('a sink that stays down', () => {
  it('logs every retry at warn with attempt, delay and code, and ends promptly on the first abort', async () => {
    const { registry, store } = setupFlaky(1_000_000)
    store.set('orders', orderRows(10), ORDERS)
    const entries: Array<{ level: string; message: string; fields: Record<string, unknown> }> = []
    const controller = new AbortController()
    const logger = {
      isLevelEnabled: () => true,
      log(level: string, message: string, fields: Record<string, unknown> = {}) {
        entries.push({ level, message, fields })
        // Stop once the job is waiting on the open breaker's cool-down (60 s here).
        if (message.includes('retrying in') && (fields.delayMs as number) > 10_000) controller.abort(new Error('stop'))
      },
      child() {
        return logger
      },
    }
    const started = Date.now()
    const outcome = await runApplication(
      SQL(", 'out.retry.max_attempts' = '30', 'out.breaker.failure_threshold' = '2', 'out.breaker.cooldown' = '60s'", [
        '1ms',
        '3s',
      ]),
      { registry, cwd: cwd(), signal: controller.signal, logger: logger as never },
    ).then(
      (r) => r,
      (e: unknown) => e,
    )
    expect(outcome).toBeDefined()
    expect(Date.now() - started).toBeLessThan(10_000)
    const retries = entries.filter((e) => e.level === 'warn' && e.message.includes('retrying in'))
    expect(retries.length).toBeGreaterThanOrEqual(2)
    expect(retries[0]!.fields).toMatchObject({ attempt: 1, code: 'FERRIS_CONNECTION_FAILED' })
    expect(retries.some((e) => e.fields.code === 'FERRIS_CIRCUIT_OPEN')).toBe(true)
  }, 20_000)
})
