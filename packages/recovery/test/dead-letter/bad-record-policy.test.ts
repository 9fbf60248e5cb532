import { type BadRecord, FerrisError } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { parseRecoveryConfig } from '../../src/config/parse-recovery-config.js'
import { BadRecordPolicy } from '../../src/dead-letter/bad-record-policy.js'
import { DeadLetterQueue } from '../../src/dead-letter/dead-letter-queue.js'
import { MemorySink } from '../helpers/memory-sink.js'

const bad = (origin: string, line: number): BadRecord => ({
  error: new FerrisError('FERRIS_RECORD_MALFORMED', `line ${line} has 3 fields, expected 4`),
  origin,
  raw: 'a,b,c',
  position: { line },
})

describe('[recovery] BadRecordPolicy', () => {
  it('fails, skips or dead-letters per origin as the WITH properties say, counting each', async () => {
    const config = parseRecoveryConfig(
      {
        'job.bad_records': 'skip',
        'orders.bad_records': 'dead_letter',
        'orders.dlq.uri': 'file:///tmp/orders-dlq.jsonl',
        'payments.bad_records': 'fail',
      },
      ['orders', 'payments', 'clicks'],
    )
    const sink = new MemorySink()
    const queue = new DeadLetterQueue({ sink, jobId: 'j' })
    await queue.open()
    const counted: Array<[string, unknown]> = []
    const metrics = {
      count: (n: string, _b?: number, l?: unknown) => counted.push([n, l]),
      gauge: () => {},
      observe: () => {},
    }
    const policy = BadRecordPolicy.fromConfig(config, new Map([['orders.dlq', queue]]), { metrics })
    const report = policy.reporter()

    report(bad('orders', 1))
    report(bad('orders', 2))
    report(bad('clicks', 7))
    const poisoned = bad('payments', 3)
    expect(() => report(poisoned)).toThrow(poisoned.error)

    expect(policy.counts('orders')).toEqual({ failed: 0, skipped: 0, deadLettered: 2 })
    expect(policy.counts('clicks')).toEqual({ failed: 0, skipped: 1, deadLettered: 0 })
    expect(policy.counts('payments')).toEqual({ failed: 1, skipped: 0, deadLettered: 0 })
    expect(policy.counts('nobody')).toEqual({ failed: 0, skipped: 0, deadLettered: 0 })
    expect([...policy.allCounts().keys()]).toEqual(['orders', 'clicks', 'payments'])
    expect(counted).toContainEqual(['bad_records', { origin: 'clicks', action: 'skipped' }])
    expect(counted).toContainEqual(['bad_records', { origin: 'payments', action: 'failed' }])

    await queue.commit({ checkpointId: 1, positions: {} })
    expect(sink.committed.map((r) => r[3])).toEqual(['{"line":1}', '{"line":2}'])
  })

  it('fails at construction when a dead-letter queue the configuration needs is missing', () => {
    const config = parseRecoveryConfig({ 'job.bad_records': 'dead_letter', 'job.dlq.uri': 'file:///tmp/x' }, ['a'])
    expect(() => BadRecordPolicy.fromConfig(config, new Map())).toThrow(/No dead-letter queue was opened for job.dlq/)
  })

  it('warns once per origin on the first skipped record', () => {
    const lines: string[] = []
    const logger = {
      isLevelEnabled: () => true,
      log: (_l: string, m: string) => lines.push(m),
      child: () => logger,
    }
    const policy = new BadRecordPolicy({ modeFor: () => 'skip', logger })
    for (let i = 0; i < 3; i++) policy.report(bad('orders', i))
    expect(lines).toEqual(['Skipping bad records of orders; the first: line 0 has 3 fields, expected 4'])
  })
})
