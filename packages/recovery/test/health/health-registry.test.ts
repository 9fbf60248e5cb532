import { describe, expect, it } from 'vitest'
import { HealthRegistry } from '../../src/health/health-registry.js'

describe('[recovery] HealthRegistry', () => {
  it('is healthy with no components and as healthy as its worst component otherwise', () => {
    let now = 1_000
    const health = new HealthRegistry({ now: () => now })
    expect(health.snapshot().status).toBe('healthy')
    const orders = health.component('orders', 'source')
    const out = health.component('out', 'sink')
    expect(health.snapshot().status).toBe('healthy')
    now = 2_000
    out.degraded('circuit open')
    expect(health.snapshot().status).toBe('degraded')
    now = 3_000
    orders.unhealthy('file deleted')
    const snap = health.snapshot()
    expect(snap.status).toBe('unhealthy')
    expect(snap.components).toEqual([
      {
        name: 'orders',
        kind: 'source',
        status: 'unhealthy',
        reason: 'file deleted',
        since: new Date(3_000).toISOString(),
      },
      { name: 'out', kind: 'sink', status: 'degraded', reason: 'circuit open', since: new Date(2_000).toISOString() },
    ])
    orders.remove()
    out.healthy()
    expect(health.snapshot()).toEqual({
      status: 'healthy',
      components: [{ name: 'out', kind: 'sink', status: 'healthy', since: new Date(3_000).toISOString() }],
      checkedAt: new Date(3_000).toISOString(),
    })
  })

  it('keeps the time a status began while the same status is reported again', () => {
    let now = 0
    const health = new HealthRegistry({ now: () => now })
    health.report('out', 'degraded', 'slow')
    now = 5_000
    health.report('out', 'degraded', 'slower')
    expect(health.snapshot().components[0]).toMatchObject({ reason: 'slower', since: new Date(0).toISOString() })
    expect(health.status('out')).toBe('degraded')
    expect(health.status('nobody')).toBeUndefined()
  })
})
