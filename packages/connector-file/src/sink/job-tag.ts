import { createHash } from 'node:crypto'

/**
 * A short, file-name-safe form of the job id, put in part names so that two jobs writing one directory never
 * take each other's files, and a restarted job recognises its own.
 */
export function jobTag(jobId: string): string {
  const safe = jobId.replace(/[^A-Za-z0-9_-]/g, '_')
  if (safe.length <= 24 && safe === jobId) return safe

  return `${safe.slice(0, 15)}-${createHash('sha256').update(jobId).digest('hex').slice(0, 8)}`
}
