/** When a sink starts a new part (file or object): the `max_records`, `max_bytes` and `max_age` options. */
export interface RollingLimits {
  readonly max_records?: number | undefined
  readonly max_bytes?: number | undefined
  /** Milliseconds. */
  readonly max_age?: number | undefined
}

/** What a part holds so far. */
export interface PartFill {
  readonly records: number
  readonly size: number
  /** `Date.now()` when the part was opened. */
  readonly openedAt: number
}

/** True once a part has reached any of the limits set. */
export function partFull(limits: RollingLimits, part: PartFill, now = Date.now()): boolean {
  return (
    (limits.max_records !== undefined && part.records >= limits.max_records) ||
    (limits.max_bytes !== undefined && part.size >= limits.max_bytes) ||
    (limits.max_age !== undefined && now - part.openedAt >= limits.max_age)
  )
}

/** How many of `remaining` rows still go into a part holding `records`, under `max_records`. */
export function rowsThatFit(limits: RollingLimits, records: number, remaining: number): number {
  return limits.max_records === undefined ? remaining : Math.min(remaining, limits.max_records - records)
}
