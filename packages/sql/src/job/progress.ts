/** Counters of one running job, for the CLI's progress line and for embedding programs. */
export interface JobProgress {
  readonly name: string
  state: 'starting' | 'running' | 'finishing' | 'completed' | 'cancelled' | 'failed'
  /** Per source: records read, and bad records skipped or dead-lettered (decode and evaluation errors). */
  readonly sources: Record<string, { read: number; bad: number }>
  /**
   * The sink, or `caller` for a bare SELECT: `written` counts rows handed to it, `bad` the rows among them it
   * rejected (sent to the bad-record policy), so the rows it kept are `written - bad`.
   */
  readonly sink: { name: string; written: number; bad: number }
  /** Bad records sent to dead-letter sinks, all origins together. */
  deadLettered: number
  /** Jobs with an event-time window: records that came after all their windows closed (`job.late_records`). */
  lateRecords?: number
  /** Jobs with `job.state.ttl`: GROUP BY groups dropped because no row changed them for that long. */
  evictedGroups?: number
  checkpoints: number
  /** The id of the last completed checkpoint, 0 before the first. */
  lastCheckpointId: number
}

export interface ApplicationProgress {
  readonly jobs: readonly JobProgress[]
}

/** A copy the caller may keep: counters move on after the callback returns. */
export function snapshotProgress(jobs: readonly JobProgress[]): ApplicationProgress {
  return {
    jobs: jobs.map((j) => ({
      ...j,
      sources: Object.fromEntries(Object.entries(j.sources).map(([k, v]) => [k, { ...v }])),
      sink: { ...j.sink },
    })),
  }
}
