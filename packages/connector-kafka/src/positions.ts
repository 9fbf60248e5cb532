import { FerrisError, type Position } from '@ferris/core'

/**
 * A Kafka source's position: for each topic and partition, the offset of the next message to read, as a
 * decimal string (offsets are 64-bit): `{ "orders": { "0": "1042", "1": "977" } }`. That is the offset Kafka
 * commits for a group, so a position can be committed as it is.
 */
export type OffsetMap = Map<string, Map<number, bigint>>

export function positionOf(offsets: OffsetMap): Position {
  const out: Record<string, Record<string, string>> = {}
  for (const [topic, parts] of offsets) {
    const p: Record<string, string> = {}
    for (const [partition, offset] of [...parts].sort((a, b) => a[0] - b[0])) p[String(partition)] = offset.toString()
    out[topic] = p
  }

  return out
}

/** Reads a position back, failing with what is wrong and where when it is not the shape above. */
export function parsePosition(position: Position, subject: string): OffsetMap {
  const fail = (what: string, value: unknown): never => {
    throw new FerrisError('FERRIS_CONFIG_INVALID', `${subject}: the Kafka position ${what}`, {
      subject,
      value,
      expected: '{ "<topic>": { "<partition>": "<next offset>" } }, e.g. { "orders": { "0": "42" } }',
      hint: 'Positions come from this connector; do not mix checkpoints of different sources',
    })
  }
  if (position === null || typeof position !== 'object' || Array.isArray(position))
    return fail('is not an object', position)
  const out: OffsetMap = new Map()
  for (const [topic, parts] of Object.entries(position as Record<string, unknown>)) {
    if (parts === null || typeof parts !== 'object' || Array.isArray(parts))
      return fail(`has no partition map for topic "${topic}"`, parts)
    const m = new Map<number, bigint>()
    for (const [partition, offset] of Object.entries(parts as Record<string, unknown>)) {
      if (!/^\d+$/.test(partition))
        return fail(`has the partition "${partition}" for topic "${topic}", which is not a number`, partition)
      const text = typeof offset === 'number' && Number.isSafeInteger(offset) ? String(offset) : offset
      if (typeof text !== 'string' || !/^\d+$/.test(text))
        return fail(
          `has the offset ${JSON.stringify(offset)} for ${topic}/${partition}, which is not a decimal string`,
          offset,
        )
      m.set(Number(partition), BigInt(text))
    }
    out.set(topic, m)
  }

  return out
}

/** Parses `start_offsets`: `0:42,1:17` for a single topic, or `orders:0:42,payments:1:7`. */
export function parseStartOffsets(text: string, topics: readonly string[], subject: string): OffsetMap {
  const out: OffsetMap = new Map()
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const parts = item.split(':')
    let topic: string | undefined
    let partition: string
    let offset: string
    if (parts.length === 2 && topics.length === 1) {
      topic = topics[0]
      ;[partition, offset] = parts as [string, string]
    } else if (parts.length >= 3) {
      offset = parts.pop()!
      partition = parts.pop()!
      topic = parts.join(':')
    } else {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `${subject}: start_offsets entry "${item}" is not partition:offset or topic:partition:offset`,
        {
          subject: `${subject}.start_offsets`,
          value: item,
          expected: topics.length === 1 ? 'partition:offset, e.g. 0:42' : 'topic:partition:offset, e.g. orders:0:42',
        },
      )
    }
    if (!/^\d+$/.test(partition) || !/^\d+$/.test(offset)) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `${subject}: start_offsets entry "${item}" needs a whole partition number and offset`,
        {
          subject: `${subject}.start_offsets`,
          value: item,
          expected: 'non-negative integers',
        },
      )
    }
    let m = out.get(topic!)
    if (m === undefined) {
      m = new Map()
      out.set(topic!, m)
    }
    m.set(Number(partition), BigInt(offset))
  }

  return out
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}
