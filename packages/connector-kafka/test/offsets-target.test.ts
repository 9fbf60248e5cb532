import type { LogLevel, UpstreamSource } from '@ferris/core'
import type { Admin, KafkaConfig } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import type { CreateKafkaClient } from '../src/kafka-client.js'
import { type OffsetsTargetInput, resolveOffsetsTarget } from '../src/offsets-target.js'
import { testContext } from './helpers/broker.js'

/** Cluster ids by the first broker a client bootstraps from; a broker not listed cannot be reached. */
function clusters(ids: Readonly<Record<string, string>>) {
  const asked: string[][] = []
  const admin = (brokers: readonly string[]) =>
    ({
      connect: async () => {
        if (ids[brokers[0]!] === undefined) throw new Error(`connect ECONNREFUSED ${brokers[0]}`)
      },
      disconnect: async () => {},
      describeCluster: async () => ({ clusterId: ids[brokers[0]!]!, brokers: [], controller: 1 }),
    }) as unknown as Admin
  const createClient: CreateKafkaClient = (config) => {
    asked.push([...(config.brokers as string[])])
    return { admin: () => admin(config.brokers as string[]) } as never
  }

  return { createClient, asked, admin }
}

const kafkaSource = (name: string, servers: string[], positioned = true): UpstreamSource => ({
  name,
  connector: 'kafka',
  endpoint: { servers, objects: ['orders'], consumerGroup: `group-of-${name}` },
  positioned,
})

function input(sources: UpstreamSource[] | undefined, more: Partial<OffsetsTargetInput> = {}) {
  const c = clusters({ 'broker-a:9092': 'cluster-1', 'broker-b:9092': 'cluster-1', 'other:9092': 'cluster-2' })
  const servers = ['broker-a:9092']
  const base: OffsetsTargetInput = {
    offsetsGroupId: undefined,
    offsetsSource: undefined,
    sources,
    servers,
    admin: c.admin(servers),
    config: { brokers: servers } as KafkaConfig,
    createClient: c.createClient,
    ...more,
  }

  return { base, asked: c.asked }
}

function logged() {
  const lines: Array<[LogLevel, string]> = []
  const ctx = testContext('out')
  const logger = { ...ctx.logger, log: (level: LogLevel, message: string) => lines.push([level, message]) }

  return { ctx: { ...ctx, logger }, lines }
}

describe('[kafka] resolveOffsetsTarget: whose offsets an exactly-once sink commits', () => {
  it('takes the group of the Kafka source that drives the job, on the same brokers', async () => {
    const { base, asked } = input([
      kafkaSource('orders', ['BROKER-A:9092']),
      { name: 'names', connector: 'file', positioned: false },
    ])
    expect(await resolveOffsetsTarget(base, testContext('out'))).toEqual({
      groupId: 'group-of-orders',
      source: 'orders',
    })
    expect(asked, 'a shared broker settles it without asking the cluster').toEqual([])
  })

  it('asks the cluster id when the source bootstraps from other brokers of the same cluster', async () => {
    const { base, asked } = input([kafkaSource('orders', ['broker-b:9092'])])
    expect(await resolveOffsetsTarget(base, testContext('out'))).toEqual({
      groupId: 'group-of-orders',
      source: 'orders',
    })
    expect(asked).toEqual([['broker-b:9092']])
  })

  it('commits nothing, and says so, for a source on another cluster or one it cannot reach', async () => {
    for (const servers of [['other:9092'], ['unreachable:9092']]) {
      const { ctx, lines } = logged()
      expect(await resolveOffsetsTarget(input([kafkaSource('orders', servers)]).base, ctx)).toBeUndefined()
      expect(lines).toHaveLength(1)
      expect(lines[0]![0]).toBe('warn')
      expect(lines[0]![1]).toContain('reads another Kafka cluster')
      expect(lines[0]![1]).toContain('than the sink writes (broker-a:9092)')
    }
  })

  it('commits nothing for a Kafka source whose position the commit does not carry, and says so', async () => {
    const { ctx, lines } = logged()
    const target = await resolveOffsetsTarget(input([kafkaSource('orders', ['broker-a:9092'], false)]).base, ctx)
    expect(target).toBeUndefined()
    expect(lines.map(([level]) => level)).toEqual(['warn'])
    expect(lines[0]![1]).toContain('the Kafka source orders is not the one whose positions the job commits')
  })

  it('commits nothing, silently, when no source is Kafka or the host describes none', async () => {
    for (const sources of [[{ name: 'f', connector: 'file', positioned: true }], [], undefined]) {
      const { ctx, lines } = logged()
      expect(await resolveOffsetsTarget(input(sources).base, ctx)).toBeUndefined()
      expect(lines).toEqual([])
    }
  })

  it('lets offsets_group_id and offsets_source override what the job says', async () => {
    const sources = [kafkaSource('orders', ['other:9092'])]
    expect(await resolveOffsetsTarget(input(sources, { offsetsGroupId: 'mine' }).base, testContext('out'))).toEqual({
      groupId: 'mine',
      source: 'orders',
    })
    expect(
      await resolveOffsetsTarget(
        input(undefined, { offsetsGroupId: 'mine', offsetsSource: 'o2' }).base,
        testContext('out'),
      ),
    ).toEqual({ groupId: 'mine', source: 'o2' })
    const { ctx, lines } = logged()
    expect(
      await resolveOffsetsTarget(
        input([kafkaSource('orders', ['broker-a:9092'])], { offsetsSource: 'nope' }).base,
        ctx,
      ),
    ).toBeUndefined()
    expect(lines).toHaveLength(1)
  })
})
