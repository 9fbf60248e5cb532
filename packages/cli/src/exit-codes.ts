/** What `ferris` exit codes mean; scripts and supervisors match on them. */
export const EXIT = {
  /** The job ran to the end of its bounded sources (or the command did what it was asked). */
  OK: 0,
  /** The job started but failed while running: a server went away, a bad record under the `fail` policy. */
  RUNTIME_FAILURE: 1,
  /** The application or the command line is invalid; nothing was started. */
  INVALID: 2,
  /** Stopped by Ctrl-C or SIGTERM after flushing and committing what it had. */
  INTERRUPTED: 130,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]
