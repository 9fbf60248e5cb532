import type { BadRecord, ConnectorContext } from '../contracts/context.js'
import { noopMetrics } from '../contracts/context.js'
import { silentLogger } from '../logging/logger.js'

export interface TestContext {
  readonly context: ConnectorContext
  /** Bad records reported so far (with the `collect` policy). */
  readonly badRecords: BadRecord[]
  /** Counters reported through `context.metrics.count`, by name. */
  readonly counters: Map<string, number>
  /** Aborts `context.signal`, as a stopping job does. */
  abort(): void
}

/**
 * A ConnectorContext for connector tests. With the default `collect` policy bad records are kept in
 * `badRecords`; with `fail` the record's error is thrown, as a job's fail policy does.
 */
export function createTestContext(
  options: { name?: string; policy?: 'collect' | 'fail'; cwd?: string } = {},
): TestContext {
  const badRecords: BadRecord[] = []
  const counters = new Map<string, number>()
  const controller = new AbortController()
  const context: ConnectorContext = {
    name: options.name ?? 'test',
    logger: silentLogger,
    metrics: {
      ...noopMetrics,
      count: (name, by = 1) => {
        counters.set(name, (counters.get(name) ?? 0) + by)
      },
    },
    signal: controller.signal,
    cwd: options.cwd ?? process.cwd(),
    reportBadRecord: (record) => {
      if (options.policy === 'fail') throw record.error
      badRecords.push(record)
    },
  }

  return { context, badRecords, counters, abort: () => controller.abort() }
}
