import { type FerrisError, isFerrisError } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { parseRecoveryConfig } from '../../src/config/parse-recovery-config.js'
import { isRecoveryProperty } from '../../src/config/recovery-options.js'

function failure(fn: () => unknown): FerrisError {
  try {
    fn()
  } catch (error) {
    if (isFerrisError(error)) return error
    throw error
  }
  throw new Error('expected a FerrisError')
}

describe('[recovery] parseRecoveryConfig', () => {
  it('gives safe defaults when nothing is configured', () => {
    const config = parseRecoveryConfig({}, ['orders', 'out'])
    expect(config.job.badRecords).toBe('fail')
    expect(config.job.deadLetter).toBeUndefined()
    expect(config.for('orders').resilience).toEqual({
      retry: {
        maxAttempts: 10,
        backoff: 'exponential',
        initialDelay: 200,
        maxDelay: 30_000,
        jitter: 'full',
        deadline: 0,
      },
      breaker: { failureThreshold: 5, cooldown: 30_000 },
      timeout: 0,
    })
    expect(config.for('orders').scope).toBe('orders')
  })

  it('reads job settings and lets an endpoint override them key by key', () => {
    const config = parseRecoveryConfig(
      {
        'job.bad_records': 'dead_letter',
        'job.dlq.uri': 'file:///tmp/dlq.jsonl',
        'job.dlq.format': 'jsonl',
        'job.retry.max_attempts': '10',
        'job.retry.initial_delay': '1s',
        'orders.bad_records': 'skip',
        'orders.path': './orders.csv',
        'out.retry.backoff': 'linear',
        'out.breaker.cooldown': '2m',
        'out.timeout': '30s',
      },
      ['orders', 'out'],
    )
    expect(config.job.deadLetter).toEqual({
      name: 'job.dlq',
      spec: { name: 'job.dlq', role: 'sink', properties: { uri: 'file:///tmp/dlq.jsonl', format: 'jsonl' } },
    })
    expect(config.for('orders').badRecords).toBe('skip')
    expect(config.for('orders').resilience.retry.maxAttempts).toBe(10)
    const out = config.for('out')
    expect(out.badRecords).toBe('dead_letter')
    expect(out.deadLetter?.name).toBe('job.dlq')
    expect(out.resilience.retry).toMatchObject({ maxAttempts: 10, initialDelay: 1_000, backoff: 'linear' })
    expect(out.resilience.breaker.cooldown).toBe(120_000)
    expect(out.resilience.timeout).toBe(30_000)
  })

  it('gives an endpoint its own dead-letter sink when it names one', () => {
    const config = parseRecoveryConfig(
      {
        'job.bad_records': 'dead_letter',
        'job.dlq.uri': 'file:///tmp/all.jsonl',
        'orders.dlq.uri': 'kafka://127.0.0.1:19092/orders-dlq',
      },
      ['orders', 'out'],
    )
    expect(config.for('orders').deadLetter?.spec.properties.uri).toBe('kafka://127.0.0.1:19092/orders-dlq')
    expect(config.for('orders').deadLetter?.name).toBe('orders.dlq')
    expect(config.for('out').deadLetter?.name).toBe('job.dlq')
  })

  it('refuses dead_letter without a dead-letter URI and says which key to add', () => {
    const error = failure(() => parseRecoveryConfig({ 'orders.bad_records': 'dead_letter' }, ['orders']))
    expect(error.code).toBe('FERRIS_CONFIG_INVALID')
    expect(error.message).toContain("'orders.bad_records' is 'dead_letter'")
    expect(error.context.hint).toContain("'orders.dlq.uri'")
    expect(error.context.hint).toContain("'job.dlq.uri'")
  })

  it('refuses an unknown mode and names the key, the value and the accepted ones', () => {
    const error = failure(() => parseRecoveryConfig({ 'job.bad_records': 'ignore' }, []))
    expect(error.code).toBe('FERRIS_CONFIG_INVALID')
    const text = error.describe()
    expect(text).toContain('job.bad_records')
    expect(text).toContain('ignore')
    expect(text).toMatch(/fail.*skip.*dead_letter/)
  })

  it('refuses a misspelt retry key with a suggestion', () => {
    const error = failure(() => parseRecoveryConfig({ 'out.retry.max_atempts': '3' }, ['out']))
    expect(error.code).toBe('FERRIS_CONFIG_INVALID')
    expect(error.describe()).toContain('retry.max_attempts')
  })

  it('refuses a bad duration and a maximum delay below the initial delay', () => {
    expect(failure(() => parseRecoveryConfig({ 'out.retry.deadline': 'soon' }, ['out'])).describe()).toContain('soon')
    const error = failure(() =>
      parseRecoveryConfig({ 'job.retry.initial_delay': '10s', 'job.retry.max_delay': '1s' }, []),
    )
    expect(error.message).toContain(
      "'job.retry.max_delay' (1000 ms) is shorter than 'job.retry.initial_delay' (10000 ms)",
    )
  })

  it('refuses zero attempts', () => {
    expect(failure(() => parseRecoveryConfig({ 'out.retry.max_attempts': '0' }, ['out'])).describe()).toContain(
      'out.retry.max_attempts',
    )
  })

  it('refuses a source or sink called job', () => {
    expect(failure(() => parseRecoveryConfig({}, ['job'])).message).toContain('"job"')
  })
})

describe('[recovery] isRecoveryProperty', () => {
  it('tells recovery keys from connector options', () => {
    for (const key of ['bad_records', 'dlq.uri', 'dlq.format', 'retry.max_attempts', 'breaker.cooldown', 'timeout']) {
      expect(isRecoveryProperty(key)).toBe(true)
    }
    for (const key of ['path', 'format', 'uri', 'retry', 'timeouts', 'group_id'])
      expect(isRecoveryProperty(key)).toBe(false)
  })
})
