import { FerrisError } from '@ferris/core'

/**
 * What a server of a given version can do. The thresholds are the first release where the feature works
 * without an experimental setting, from the ClickHouse changelogs; this package proves them only at the two
 * ends it can run: 18.16 (Debian's server) and a current engine through chdb.
 */
export interface ServerFeatures {
  readonly dateTime64: boolean
  readonly map: boolean
  readonly lowCardinality: boolean
  readonly date32: boolean
  readonly bool: boolean
  readonly namedTuples: boolean
  /** `insert_deduplication_token` (22.2). */
  readonly dedupToken: boolean
  /** `non_replicated_deduplication_window`: plain MergeTree remembers block hashes (21.3). */
  readonly nonReplicatedDedup: boolean
}

export interface ServerVersion {
  readonly text: string
  readonly major: number
  readonly minor: number
  readonly features: ServerFeatures
}

/** Which version brought each feature: the text of FERRIS_UNSUPPORTED errors and the README table. */
export const FEATURE_SINCE: Readonly<Record<keyof ServerFeatures, string>> = {
  dateTime64: '20.1',
  map: '21.8',
  lowCardinality: '19.9',
  date32: '21.9',
  bool: '22.1',
  namedTuples: '21.1',
  dedupToken: '22.2',
  nonReplicatedDedup: '21.3',
}

export function parseServerVersion(text: string): ServerVersion {
  const m = /^(\d+)\.(\d+)/.exec(text.trim())
  if (m === null) {
    throw new FerrisError('FERRIS_SERVER_ERROR', `The server answered SELECT version() with ${JSON.stringify(text)}`, {
      value: text,
      expected: 'a ClickHouse version such as 24.3.1.2672',
      retryable: false,
    })
  }
  const major = Number(m[1])
  const minor = Number(m[2])
  const atLeast = (since: string) => {
    const [a, b] = since.split('.').map(Number) as [number, number]

    return major > a || (major === a && minor >= b)
  }
  const features = Object.fromEntries(
    Object.entries(FEATURE_SINCE).map(([k, since]) => [k, atLeast(since)]),
  ) as unknown as ServerFeatures

  return { text: text.trim(), major, minor, features }
}
