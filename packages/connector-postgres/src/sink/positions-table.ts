import type { Position } from '@ferris/core'
import type pg from 'pg'

/**
 * The table where an exactly-once sink keeps the source positions of its last commit, one row per job and
 * source. Written in the same transaction as the rows, so rows and positions are committed together or not
 * at all.
 */
export class PositionsTable {
  readonly #table: string

  /** `table` is already quoted and qualified. */
  constructor(table: string) {
    this.#table = table
  }

  async create(client: pg.Client): Promise<void> {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${this.#table} (
         job_id text NOT NULL,
         source text NOT NULL,
         position jsonb NOT NULL,
         checkpoint_id bigint NOT NULL,
         committed_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (job_id, source))`,
    )
  }

  /** Upserts every position in one statement; call inside the commit's transaction. */
  async store(
    client: pg.Client,
    jobId: string,
    checkpointId: number,
    positions: Readonly<Record<string, Position>>,
  ): Promise<void> {
    const entries = Object.entries(positions)
    if (entries.length === 0) return
    const params: string[] = []
    const values = entries.map(([source, position], i) => {
      params.push(jobId, source, JSON.stringify(position), String(checkpointId))

      return `($${i * 4 + 1},$${i * 4 + 2},$${i * 4 + 3}::jsonb,$${i * 4 + 4}::bigint)`
    })
    await client.query(
      `INSERT INTO ${this.#table} (job_id, source, position, checkpoint_id) VALUES ${values.join(',')}
         ON CONFLICT (job_id, source) DO UPDATE
         SET position = EXCLUDED.position, checkpoint_id = EXCLUDED.checkpoint_id, committed_at = now()`,
      params,
    )
  }

  async load(client: pg.Client, jobId: string): Promise<Record<string, Position> | undefined> {
    const result = await client.query<{ source: string; position: string }>(
      `SELECT source, position::text AS position FROM ${this.#table} WHERE job_id = $1 ORDER BY source`,
      [jobId],
    )
    if (result.rows.length === 0) return undefined

    return Object.fromEntries(result.rows.map((r) => [r.source, JSON.parse(r.position) as Position]))
  }

  /** The checkpoint id of the job's last commit (the highest over its sources), undefined before the first. */
  async loadCheckpointId(client: pg.Client, jobId: string): Promise<number | undefined> {
    const result = await client.query<{ id: string | null }>(
      `SELECT max(checkpoint_id)::text AS id FROM ${this.#table} WHERE job_id = $1`,
      [jobId],
    )
    const id = result.rows[0]?.id

    return id === null || id === undefined ? undefined : Number(id)
  }
}
