import { createHash } from 'node:crypto'

/**
 * The `insert_deduplication_token` of one INSERT block. It names the job, the checkpoint the block belongs to
 * and the block's place in it, and carries a hash of the block's bytes and table: a replay after a crash that
 * rebuilds the same block from the same source positions gets the same token and the server drops it, while
 * a block that differs (other rows, another cut) can never be mistaken for one already stored.
 */
export function dedupToken(jobId: string, table: string, epoch: string, index: number, body: string): string {
  const hash = createHash('sha256').update(jobId).update('\0').update(table).update('\0').update(body).digest('hex')

  return `ferris:${epoch}:${index}:${hash.slice(0, 32)}`
}
