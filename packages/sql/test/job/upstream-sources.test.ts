import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ConnectorRegistry,
  type DataSource,
  definePlugin,
  Schema,
  T,
  type UpstreamSource,
  type WriterOptions,
} from '@ferris/core'
import { memoryPlugin } from '@ferris/core/testing'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'

/**
 * A `tap` connector: memory tables whose sources describe themselves (`endpoint`) and whose sinks record the
 * WriterOptions the job gives them.
 */
function tapSetup() {
  const memory = memoryPlugin()
  const inner = memory.connectors[0]!
  const seen: WriterOptions[] = []
  const tap = definePlugin({
    name: 'tap',
    version: '1.0.0',
    coreVersion: memory.coreVersion,
    connectors: [
      {
        ...inner,
        scheme: 'tap',
        typeNames: {},
        createSource: (options, context) => {
          const source = inner.createSource!(options, context)
          return Object.assign(source, {
            endpoint: { servers: ['mem:1'], objects: [String(options.table)], consumerGroup: `g-${context.name}` },
          }) as DataSource
        },
        createSink: (options, context) => {
          const sink = inner.createSink!(options, context)
          const create = sink.createWriter.bind(sink)
          sink.createWriter = (o) => {
            seen.push(o)
            return create(o)
          }
          return sink
        },
      },
    ],
  })
  const registry = new ConnectorRegistry().register(memory).register(tap)

  return { store: memory.store, registry, seen }
}

const cwd = () => mkdtempSync(join(tmpdir(), 'ferris-upstream-'))
const ORDERS = Schema.of(['id', T.int64], ['t', T.timestamp('ms')])

describe('runApplication: WriterOptions.sources', () => {
  it("tells the sink each source's connector, endpoint and whether the commit carries its position", async () => {
    const { store, registry, seen } = tapSetup()
    store.set('orders', [[1n, 0n]], ORDERS)
    store.set('names', [[1n, 'one']], Schema.of(['id', T.int64], ['name', T.string]))
    await runApplication(
      `CREATE STREAM out AS SELECT o.id, n.name FROM orders o JOIN names n ON o.id = n.id
       WITH ('orders.uri' = 'tap://orders', 'names.uri' = 'memory://names', 'out.uri' = 'tap://out')`,
      { registry, cwd: cwd() },
    )
    expect(seen).toHaveLength(1)
    expect(seen[0]!.sources).toEqual<UpstreamSource[]>([
      {
        name: 'orders',
        connector: 'tap',
        endpoint: { servers: ['mem:1'], objects: ['orders'], consumerGroup: 'g-orders' },
        positioned: true,
      },
      { name: 'names', connector: 'memory', positioned: false },
    ])
    expect(store.rows('out')).toEqual([[1n, 'one']])
  })

  it('marks no source positioned when a second stream is merged into the first', async () => {
    const { store, registry, seen } = tapSetup()
    store.set('orders', [[1n, 0n]], ORDERS)
    store.set('payments', [[1n, 0n]], ORDERS)
    await runApplication(
      `CREATE STREAM paid AS SELECT o.id FROM orders o JOIN payments p
       ON o.id = p.id AND p.t BETWEEN o.t AND o.t + INTERVAL '1' HOUR
       WITH ('orders.uri' = 'tap://orders', 'payments.uri' = 'tap://payments', 'paid.uri' = 'tap://paid')`,
      { registry, cwd: cwd() },
    )
    expect(seen[0]!.sources?.map((s) => [s.name, s.positioned])).toEqual([
      ['orders', false],
      ['payments', false],
    ])
  })
})
