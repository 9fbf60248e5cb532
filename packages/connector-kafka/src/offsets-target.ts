import type { ConnectorContext, UpstreamSource } from '@ferris/core'
import type { Admin, KafkaConfig } from 'kafkajs'
import type { CreateKafkaClient } from './kafka-client.js'

/** Where an exactly-once sink commits source offsets inside its transactions: a group, for one source. */
export interface OffsetsTarget {
  /** The consumer group the offsets are committed to. */
  readonly groupId: string
  /** The source, by name, whose positions (`CommitInfo.positions[source]`) are the offsets. */
  readonly source: string | undefined
}

export interface OffsetsTargetInput {
  readonly offsetsGroupId: string | undefined
  readonly offsetsSource: string | undefined
  /** The job's sources, as the host describes them (`WriterOptions.sources`). */
  readonly sources: readonly UpstreamSource[] | undefined
  /** The sink's own bootstrap servers. */
  readonly servers: readonly string[]
  /** The sink's admin client, connected. */
  readonly admin: Admin
  /** The sink's client configuration and factory, to ask a source's servers which cluster they are. */
  readonly config: KafkaConfig
  readonly createClient: CreateKafkaClient
}

/**
 * Decides whose offsets go into the sink's transactions. `offsets_group_id` (with `offsets_source`) wins when
 * given. Otherwise the host's description of the job's sources decides: the Kafka source that drives the job
 * (its commit carries its own position) and reads the sink's cluster is the one, and its consumer group is
 * where its offsets go. Undefined when there is none: the transactions then hold the output alone.
 */
export async function resolveOffsetsTarget(
  input: OffsetsTargetInput,
  context: ConnectorContext,
): Promise<OffsetsTarget | undefined> {
  if (input.offsetsGroupId !== undefined) {
    return {
      groupId: input.offsetsGroupId,
      source: input.offsetsSource ?? input.sources?.find((s) => s.positioned)?.name,
    }
  }
  const candidates = (input.sources ?? []).filter(
    (s) => s.connector === 'kafka' && s.endpoint?.consumerGroup !== undefined,
  )
  const source = candidates.find((s) => s.positioned && (input.offsetsSource ?? s.name) === s.name)
  if (source === undefined) {
    if (candidates.length > 0) {
      context.logger.log(
        'warn',
        `${context.name}: exactly_once commits no source offsets in its transactions: the Kafka source ${candidates.map((s) => s.name).join(', ')} is not the one whose positions the job commits (a lookup table or a joined stream)`,
        { hint: 'A crash between a commit and the checkpoint after it repeats that output' },
      )
    }
    return undefined
  }
  const servers = source.endpoint?.servers ?? []
  if (!(await sameCluster(servers, input))) {
    context.logger.log(
      'warn',
      `${context.name}: exactly_once cannot commit the offsets of source ${source.name} in its transactions: it reads another Kafka cluster (${servers.join(',')}) than the sink writes (${input.servers.join(',')})`,
      {
        hint: `If it is the same cluster under another address, set '${context.name}.offsets_group_id' to the source's group; otherwise a crash between a commit and the checkpoint after it repeats that output`,
      },
    )
    return undefined
  }

  return { groupId: source.endpoint!.consumerGroup!, source: source.name }
}

/**
 * Whether `servers` bootstrap the sink's cluster: a shared `host:port` settles it; otherwise the cluster id
 * the servers report (asked with the sink's own credentials) is compared with the sink's. A source whose
 * servers cannot be reached that way counts as another cluster.
 */
async function sameCluster(servers: readonly string[], input: OffsetsTargetInput): Promise<boolean> {
  if (servers.length === 0) return false
  const ours = new Set(input.servers.map(normalise))
  if (servers.some((s) => ours.has(normalise(s)))) return true
  const probe = input
    .createClient({ ...input.config, brokers: [...servers], retry: { retries: 1 } })
    .admin({ retry: { retries: 1 } })
  try {
    const [mine, theirs] = await Promise.all([
      input.admin.describeCluster(),
      probe.connect().then(() => probe.describeCluster()),
    ])
    return mine.clusterId === theirs.clusterId
  } catch {
    return false
  } finally {
    await probe.disconnect().catch(() => {})
  }
}

/** `Host:9092` and `host:9092` are one broker; a missing port is Kafka's default. */
function normalise(server: string): string {
  const s = server.trim().toLowerCase()

  return /:\d+$/.test(s) ? s : `${s}:9092`
}
