import type { CreateKafkaClient } from '../../src/kafka-client.js'

/** What happened to the fake clients, in order: `admin1.connect`, `consumer1.join`, `producer1.disconnect`... */
export interface FakeLog {
  readonly events: string[]
  /** Clients connected and not disconnected since. */
  readonly open: Set<string>
}

export interface FakeClientSetup {
  /** `[low, high]` per partition of every topic. */
  readonly offsets?: ReadonlyArray<readonly [number, number]>
  /** Message values the sampling consumer is handed, as one batch of partition 0. */
  readonly values?: readonly string[]
  /** How long after `run` the consumer's group join completes. */
  readonly joinAfterMs?: number
  /** Instead of joining, the consumer crashes with this error and says it restarts (a broker gone away). */
  readonly crashBeforeJoin?: Error
}

/**
 * A kafkajs double that records connects and disconnects, for tests of what the connector leaves open.
 * Only what the source and sink call is there.
 */
export function fakeClient(setup: FakeClientSetup = {}): { createClient: CreateKafkaClient; log: FakeLog } {
  const log: FakeLog = { events: [], open: new Set() }
  const counters = { admin: 0, consumer: 0, producer: 0 }
  const note = (name: string, what: string) => {
    log.events.push(`${name}.${what}`)
    if (what === 'connect') log.open.add(name)
    if (what === 'disconnect') log.open.delete(name)
  }
  const offsets = setup.offsets ?? [[0, 0]]
  const createClient: CreateKafkaClient = () =>
    ({
      admin: () => {
        const name = `admin${++counters.admin}`
        return {
          connect: async () => note(name, 'connect'),
          disconnect: async () => note(name, 'disconnect'),
          listTopics: async () => ['t'],
          fetchTopicMetadata: async () => ({
            topics: [{ name: 't', partitions: offsets.map((_, partitionId) => ({ partitionId })) }],
          }),
          fetchTopicOffsets: async () =>
            offsets.map(([low, high], partition) => ({
              partition,
              low: String(low),
              high: String(high),
              offset: String(high),
            })),
        }
      },
      consumer: () => {
        const name = `consumer${++counters.consumer}`
        const listeners = new Map<string, Array<(e?: unknown) => void>>()
        const emit = (event: string, e?: unknown) => {
          for (const l of listeners.get(event) ?? []) l(e)
        }
        let stopped = false
        return {
          events: { GROUP_JOIN: 'join', CRASH: 'crash' },
          on: (event: string, listener: (e?: unknown) => void) => {
            listeners.set(event, [...(listeners.get(event) ?? []), listener])
            return () =>
              listeners.set(
                event,
                (listeners.get(event) ?? []).filter((l) => l !== listener),
              )
          },
          connect: async () => note(name, 'connect'),
          subscribe: async () => {},
          run: async ({ eachBatch }: { eachBatch: (p: unknown) => Promise<void> }) => {
            // As kafkajs: run resolves at once, the join and the fetches follow in the background.
            setTimeout(async () => {
              if (stopped) return
              if (setup.crashBeforeJoin !== undefined) {
                emit('crash', { payload: { error: setup.crashBeforeJoin, restart: true } })
                return
              }
              note(name, 'join')
              emit('join')
              const values = setup.values ?? []
              await eachBatch({
                batch: {
                  topic: 't',
                  partition: 0,
                  messages: values.map((v, i) => ({ offset: String(i), value: Buffer.from(v) })),
                  lastOffset: () => String(values.length - 1),
                },
              })
            }, setup.joinAfterMs ?? 0)
          },
          stop: async () => {
            stopped = true
            note(name, 'stop')
          },
          disconnect: async () => note(name, 'disconnect'),
        }
      },
    }) as never

  return { createClient, log }
}
