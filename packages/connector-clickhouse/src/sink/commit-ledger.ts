import { type CommitInfo, type ExactJson, FerrisError, JsonNumber, type Position } from '@ferris/core'
import { classifyError } from '../classify-error.js'
import type { ClickhouseConnection } from '../client/connection.js'
import { qualifiedName, quoteIdentifier, quoteString } from '../sql/quote.js'
import type { TableInfo } from '../table-info.js'

/** The hidden columns that say which job and which commit of it wrote a row (`exactly_once` before 22.2). */
export const MARKER_JOB = '_ferris_job'
export const MARKER_SEQ = '_ferris_seq'

/**
 * MATERIALIZED: `SELECT *` leaves them out and other writers that do not name them get the default, so the
 * table looks unchanged to its readers; the sink writes them with `insert_allow_materialized_columns=1`.
 */
export const MARKER_COLUMNS_DDL = [
  `${quoteIdentifier(MARKER_JOB)} String MATERIALIZED ''`,
  `${quoteIdentifier(MARKER_SEQ)} UInt64 MATERIALIZED 0`,
]

/** One finished commit of a job into a table, as the ledger holds it. */
export interface LedgerEntry {
  /** The writer's own commit counter (never reused, unlike checkpoint ids after a crash). */
  readonly seq: number
  readonly checkpointId: number
  readonly positions: Readonly<Record<string, Position>>
}

const POLL_MS = 100

/**
 * Refuses a table that `exactly_once` cannot protect: an engine without mutations, or a table without the
 * marker columns (the sink adds them only to tables it creates, never to a user's table by itself).
 */
export function checkMarkedTable(table: TableInfo, name: string, subject: string): void {
  if (!/MergeTree$/.test(table.engine)) {
    throw new FerrisError(
      'FERRIS_UNSUPPORTED',
      `exactly_once needs a MergeTree-family table (ALTER TABLE ... DELETE); ${name} uses ${table.engine}`,
      {
        subject,
        value: table.engine,
        hint: `Write into a MergeTree table, or set '${subject}.exactly_once' = 'false' (at-least-once)`,
      },
    )
  }
  const type = (n: string) => table.columns.find((c) => c.name === n)?.type.text
  const job = type(MARKER_JOB)
  const seq = type(MARKER_SEQ)
  if (job !== 'String' || seq !== 'UInt64') {
    const qualified = name
      .split('.')
      .map((p) => quoteIdentifier(p))
      .join('.')
    throw new FerrisError(
      'FERRIS_UNSUPPORTED',
      `exactly_once needs the hidden columns ${MARKER_JOB} String and ${MARKER_SEQ} UInt64 in ${name}; it has ${MARKER_JOB} ${job ?? '(missing)'}, ${MARKER_SEQ} ${seq ?? '(missing)'}`,
      {
        subject,
        value: name,
        expected: `${MARKER_JOB} String, ${MARKER_SEQ} UInt64`,
        hint: `Add them (a metadata change): ALTER TABLE ${qualified} ADD COLUMN ${MARKER_COLUMNS_DDL[0]}, ADD COLUMN ${MARKER_COLUMNS_DDL[1]}; or let the sink create a new table with create_table=true`,
      },
    )
  }
}

/**
 * The ledger table: one row per finished commit of a job into a table, with the source positions it covers.
 * A one-row INSERT is atomic, so a commit either reached the ledger or did not; rows marked with a later
 * commit than the ledger's last are those of a commit that never finished, and a restarted writer deletes them.
 */
export class CommitLedger {
  readonly #connection: ClickhouseConnection
  readonly #database: string
  readonly #ledger: string
  readonly #target: string
  readonly #targetName: string
  readonly #jobId: string
  readonly #subject: string

  constructor(
    connection: ClickhouseConnection,
    config: { database: string; ledgerTable: string; table: string; jobId: string; subject: string },
  ) {
    this.#connection = connection
    this.#database = config.database
    this.#ledger = qualifiedName(config.database, config.ledgerTable)
    this.#target = qualifiedName(config.database, config.table)
    this.#targetName = config.table
    this.#jobId = config.jobId
    this.#subject = config.subject
  }

  async create(): Promise<void> {
    await this.#run('creating the commit ledger', () =>
      this.#connection.command(
        `CREATE TABLE IF NOT EXISTS ${this.#ledger} (job String, tbl String, seq UInt64, checkpoint_id UInt64, positions String, committed_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY (job, tbl, seq)`,
      ),
    )
  }

  /** The job's last finished commit into the table, undefined before the first. */
  async last(): Promise<LedgerEntry | undefined> {
    const rows = await this.#run('reading the commit ledger', () =>
      this.#connection.rows(
        `SELECT toString(seq) AS seq, toString(checkpoint_id) AS checkpoint_id, positions FROM ${this.#ledger} WHERE ${this.#mine()} ORDER BY seq DESC LIMIT 1`,
      ),
    )
    const row = rows[0]
    if (row === undefined) return undefined

    return {
      seq: Number(text(row.seq)),
      checkpointId: Number(text(row.checkpoint_id)),
      positions: JSON.parse(text(row.positions)) as Record<string, Position>,
    }
  }

  /** Records a finished commit. Its rows must all be inserted before. */
  // Limitation: the ledger grows by one row per commit; nothing trims a job's older rows yet.
  async record(seq: number, info: CommitInfo): Promise<void> {
    const body = `${JSON.stringify({
      job: this.#jobId,
      tbl: this.#targetName,
      seq: String(seq),
      checkpoint_id: String(info.checkpointId),
      positions: JSON.stringify(info.positions),
    })}\n`
    await this.#connection.insert(
      `INSERT INTO ${this.#ledger} (job, tbl, seq, checkpoint_id, positions) FORMAT JSONEachRow`,
      body,
      {},
      `ferris-ledger-${seq}-${Date.now()}`,
    )
  }

  /**
   * Deletes the job's rows marked after commit `lastSeq` (a commit that never reached the ledger) and waits
   * until the mutation is applied: 18.16 applies mutations in the background, and rows written before it is
   * done would be in parts it rewrites. Returns the number of rows removed.
   */
  async removeUnfinished(lastSeq: number, timeoutMs: number, signal: AbortSignal): Promise<number> {
    const where = `${quoteIdentifier(MARKER_JOB)} = ${quoteString(this.#jobId)} AND ${quoteIdentifier(MARKER_SEQ)} > ${lastSeq}`
    const count = async () => {
      const rows = await this.#run('counting the rows of an unfinished commit', () =>
        this.#connection.rows(`SELECT toString(count()) AS n FROM ${this.#target} WHERE ${where}`),
      )

      return Number(text(rows[0]?.n))
    }
    const found = await count()
    if (found === 0) return 0
    await this.#run('deleting the rows of an unfinished commit', () =>
      this.#connection.command(`ALTER TABLE ${this.#target} DELETE WHERE ${where}`),
    )
    const until = Date.now() + timeoutMs
    // Limitation: 18.16 returns no mutation id from ALTER, so this waits for every pending mutation of the table.
    for (;;) {
      const pending = await this.#run('waiting for the delete mutation', () =>
        this.#connection.rows(
          `SELECT toString(count()) AS n FROM system.mutations WHERE database = ${quoteString(this.#database)} AND ${'`table`'} = ${quoteString(this.#targetName)} AND is_done = 0`,
        ),
      )
      if (Number(text(pending[0]?.n)) === 0 && (await count()) === 0) return found
      if (Date.now() > until || signal.aborted) {
        throw new FerrisError(
          'FERRIS_TIMEOUT',
          `The mutation deleting ${found} rows of an unfinished commit from ${this.#target} is not done after ${timeoutMs} ms`,
          {
            subject: this.#subject,
            retryable: true,
            hint: 'See system.mutations for the table (parts_to_do); the job writes nothing until it is done',
          },
        )
      }
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  }

  #mine(): string {
    return `job = ${quoteString(this.#jobId)} AND tbl = ${quoteString(this.#targetName)}`
  }

  async #run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw classifyError(error, `${what} of ${this.#target}`, this.#subject)
    }
  }
}

function text(v: ExactJson | undefined): string {
  return v instanceof JsonNumber ? v.text : typeof v === 'string' ? v : ''
}
