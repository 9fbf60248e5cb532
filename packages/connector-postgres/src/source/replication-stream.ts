import type pg from 'pg'
import type { PostgresOptions } from '../options.js'
import { classifyError } from '../sql/classify-error.js'
import { connectClient } from '../sql/connect.js'
import { quoteIdent, quoteLiteral } from '../sql/identifiers.js'
import { formatLsn, parseLsn } from './positions.js'

/** The parts of `pg`'s Connection that streaming replication needs; not in @types/pg. */
interface RawConnection {
  on(event: 'copyData', listener: (msg: { chunk: Buffer }) => void): void
  sendCopyFromChunk(chunk: Buffer): void
  stream: { pause(): void; resume(): void }
}

/** Microseconds between 1970-01-01 and 2000-01-01, PostgreSQL's epoch for replication timestamps. */
const PG_EPOCH_MS = 946_684_800_000n

/**
 * One `START_REPLICATION ... LOGICAL` session over a replication connection. It hands each XLogData payload
 * to `onData`, answers the server's keepalives, and reports to the server only the LSN given to `confirm`:
 * the slot's confirmed position therefore moves only when the job has made the output durable, never when
 * data merely arrived (which is what auto-acknowledging clients do).
 */
export class ReplicationStream {
  readonly #client: pg.Client
  readonly #connection: RawConnection
  #confirmed: bigint
  #paused = false
  #ended = false
  readonly done: Promise<unknown>

  private constructor(client: pg.Client, confirmed: bigint, done: Promise<unknown>) {
    this.#client = client
    this.#connection = (client as unknown as { connection: RawConnection }).connection
    this.#confirmed = confirmed
    this.done = done
  }

  static async start(args: {
    options: PostgresOptions
    subject: string
    slot: string
    publication: string
    startLsn: string
    onData: (payload: Buffer) => void
    /**
     * Asked on each keepalive with the server's sent position: returns true when everything received has
     * been committed by the job, so that confirming the keepalive's position loses nothing.
     */
    idleAt: () => boolean
    onEnd: (error: unknown) => void
  }): Promise<ReplicationStream> {
    const client = await connectClient(args.options, args.subject, {
      replication: 'database',
    } as Partial<pg.ClientConfig>)
    let stream: ReplicationStream | undefined
    const sql = `START_REPLICATION SLOT ${quoteIdent(args.slot)} LOGICAL ${formatLsn(parseLsn(args.startLsn))} (proto_version '1', publication_names ${quoteLiteral(quoteIdent(args.publication))})`
    const started = new Promise<void>((resolve, reject) => {
      const connection = (client as unknown as { connection: RawConnection & { once(e: string, l: () => void): void } })
        .connection
      connection.once('replicationStart', resolve)
      connection.on('copyData', ({ chunk }) => {
        if (chunk[0] === 0x77) {
          // XLogData: 'w', start LSN, end LSN, send time, then the pgoutput message.
          args.onData(chunk.subarray(25))
        } else if (chunk[0] === 0x6b && stream !== undefined) {
          // Primary keepalive: 'k', the server's sent position, send time, reply-requested flag.
          // When every change received so far is committed downstream, the WAL up to the sent position holds
          // nothing more for this slot, so confirming it is safe. It keeps an idle slot from holding WAL
          // forever, and lets the server shut down (a walsender waits for the flush position to catch up).
          if (args.idleAt()) stream.advanceTo(chunk.readBigUInt64BE(1))
          if (chunk[17] === 1) stream.sendStatus()
        }
      })
      const query = client.query(sql)
      query.then(
        () => {
          stream?.markEnded()
          args.onEnd(undefined)
        },
        (error: unknown) => {
          reject(classifyError(error, args.subject, `starting replication from slot ${args.slot}`))
          if (stream !== undefined && !stream.#ended) {
            stream.markEnded()
            args.onEnd(classifyError(error, args.subject, `streaming changes from slot ${args.slot}`))
          }
        },
      )
    })
    client.on('error', (error) => {
      if (stream !== undefined && !stream.#ended) {
        stream.markEnded()
        args.onEnd(classifyError(error, args.subject, `streaming changes from slot ${args.slot}`))
      }
    })
    client.on('end', () => {
      if (stream !== undefined && !stream.#ended) {
        stream.markEnded()
        args.onEnd(
          classifyError(new Error('Connection terminated'), args.subject, `streaming changes from slot ${args.slot}`),
        )
      }
    })
    stream = new ReplicationStream(client, parseLsn(args.startLsn), started)
    try {
      await started
    } catch (error) {
      await client.end().catch(() => {})
      throw error
    }

    return stream
  }

  get ended(): boolean {
    return this.#ended
  }

  markEnded(): void {
    this.#ended = true
  }

  /** Tells the server everything up to `lsn` is durable downstream; the slot may then release that WAL. */
  confirm(lsn: string): void {
    const value = parseLsn(lsn)
    if (value > this.#confirmed) this.#confirmed = value
    this.sendStatus()
  }

  advanceTo(lsn: bigint): void {
    if (lsn > this.#confirmed) {
      this.#confirmed = lsn
      this.sendStatus()
    }
  }

  sendStatus(): void {
    if (this.#ended) return
    const buf = Buffer.alloc(34)
    buf.write('r', 0, 'latin1')
    buf.writeBigUInt64BE(this.#confirmed, 1) // written
    buf.writeBigUInt64BE(this.#confirmed, 9) // flushed
    buf.writeBigUInt64BE(this.#confirmed, 17) // applied
    buf.writeBigInt64BE((BigInt(Date.now()) - PG_EPOCH_MS) * 1000n, 25)
    buf.writeUInt8(0, 33)
    this.#connection.sendCopyFromChunk(buf)
  }

  pause(): void {
    if (!this.#paused) this.#connection.stream.pause()
    this.#paused = true
  }

  resume(): void {
    if (this.#paused) this.#connection.stream.resume()
    this.#paused = false
  }

  async stop(): Promise<void> {
    this.#ended = true
    this.resume()
    await this.#client.end().catch(() => {})
  }
}
