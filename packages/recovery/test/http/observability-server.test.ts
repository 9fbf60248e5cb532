import { FerrisError } from '@ferris/core'
import { afterEach, describe, expect, it } from 'vitest'
import { BadRecordPolicy } from '../../src/dead-letter/bad-record-policy.js'
import { healthHooks } from '../../src/health/health-hooks.js'
import { HealthRegistry } from '../../src/health/health-registry.js'
import { type ObservabilityServer, startObservabilityServer } from '../../src/http/observability-server.js'
import { FerrisMetrics } from '../../src/metrics/ferris-metrics.js'
import { CircuitBreaker } from '../../src/policies/circuit-breaker.js'

const servers: ObservabilityServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

describe('[recovery] startObservabilityServer', () => {
  it('serves /metrics and /health that match what the job did', async () => {
    const health = new HealthRegistry()
    const metrics = new FerrisMetrics({ job: 'orders-job' })
    const server = await startObservabilityServer({ host: '127.0.0.1', port: 0, health, metrics })
    servers.push(server)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)

    // A small "job": 3 batches read and written, 2 records skipped, a sink whose breaker opens.
    const source = health.component('orders', 'source')
    const sinkMetrics = metrics.forEndpoint('out')
    for (let i = 0; i < 3; i++) {
      metrics.forEndpoint('orders').count('records_in', 100)
      sinkMetrics.count('records_out', 99)
    }
    const policy = new BadRecordPolicy({ modeFor: () => 'skip', metrics: metrics.forEndpoint('orders') })
    for (let i = 0; i < 2; i++) {
      policy.report({ error: new FerrisError('FERRIS_RECORD_MALFORMED', 'bad'), origin: 'orders' })
    }
    source.healthy()

    let res = await fetch(`${server.url}/health`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { status: string }).status).toBe('healthy')

    const breaker = new CircuitBreaker(
      'out',
      { failureThreshold: 1, cooldown: 60_000 },
      {
        metrics: sinkMetrics,
        hooks: healthHooks(health, 'sink'),
      },
    )
    await breaker
      .execute(() => {
        throw new FerrisError('FERRIS_CONNECTION_FAILED', 'refused')
      })
      .catch(() => undefined)

    res = await fetch(`${server.url}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/plain')
    const text = await res.text()
    expect(text).toContain('ferris_records_in_total{job="orders-job",source="orders"} 300')
    expect(text).toContain('ferris_records_out_total{job="orders-job",sink="out"} 297')
    expect(text).toContain('ferris_bad_records_total{job="orders-job",origin="orders",action="skipped"} 2')
    expect(text).toContain('ferris_breaker_state{job="orders-job",endpoint="out"} 1')
    expect(text).toContain('ferris_breaker_opened_total{job="orders-job",endpoint="out"} 1')

    res = await fetch(`${server.url}/health`)
    expect(res.status).toBe(200)
    const degraded = (await res.json()) as { status: string; components: Array<{ name: string; reason?: string }> }
    expect(degraded.status).toBe('degraded')
    expect(degraded.components.find((c) => c.name === 'out')?.reason).toContain('circuit open')

    source.unhealthy('orders.csv was deleted')
    res = await fetch(`${server.url}/health`)
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({
      status: 'unhealthy',
      components: expect.arrayContaining([
        expect.objectContaining({ name: 'orders', reason: 'orders.csv was deleted' }),
      ]),
    })
  })

  it('answers 404 on other paths and 405 on other methods', async () => {
    const server = await startObservabilityServer({
      port: 0,
      health: new HealthRegistry(),
      metrics: new FerrisMetrics({ job: 'j' }),
    })
    servers.push(server)
    expect((await fetch(`${server.url}/nope`)).status).toBe(404)
    const post = await fetch(`${server.url}/health`, { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
  })

  it('says which address is taken and what to do', async () => {
    const first = await startObservabilityServer({
      port: 0,
      health: new HealthRegistry(),
      metrics: new FerrisMetrics({ job: 'a' }),
    })
    servers.push(first)
    const error = await startObservabilityServer({
      port: first.port,
      health: new HealthRegistry(),
      metrics: new FerrisMetrics({ job: 'b' }),
    }).catch((e: unknown) => e as FerrisError)
    expect(error).toBeInstanceOf(FerrisError)
    expect((error as FerrisError).code).toBe('FERRIS_CONFIG_INVALID')
    expect((error as FerrisError).context.hint).toContain('Another process uses that port')
  })
})
