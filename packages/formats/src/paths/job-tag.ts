import { createHash } from 'node:crypto'

/**
 * A short form of the job id that is safe in file names and object keys, put in part names so that two jobs
 * writing one directory or prefix never take each other's parts, and a restarted job recognises its own.
 */
export function jobTag(jobId: string): string {
  const safe = jobId.replace(/[^A-Za-z0-9_-]/g, '_')
  if (safe.length <= 24 && safe === jobId) return safe

  return `${safe.slice(0, 15)}-${createHash('sha256').update(jobId).digest('hex').slice(0, 8)}`
}
