import {
  type ConnectorContext,
  type DataReader,
  type ExactJson,
  FerrisError,
  isFerrisError,
  type Position,
  parseExactJson,
  type ReadResult,
  type Row,
  type Schema,
} from '@ferris/core'
import { classifyError } from '../classify-error.js'
import type { ClickhouseConnection, Settings } from '../client/connection.js'
import { type Decode, decoderFor } from '../types/decode.js'

const LIMIT_ALL = '4611686018427387903'

export interface ReaderConfig {
  readonly connection: ClickhouseConnection
  readonly context: ConnectorContext
  readonly schema: Schema
  readonly batchSize: number
  readonly sql: string
  readonly settings: Settings
  /**
   * The zone the server prints each field's timestamps in, top level and nested. Table reads move top-level
   * DateTime columns to UTC in the SELECT; a query's columns print in their own zone, taken to be the declared one.
   */
  readonly zones: ReadonlyArray<{ readonly top: string; readonly nested: string }>
}

/**
 * Streams a SELECT as JSONEachRow and hands over batches. Lines are parsed with exact numbers (no
 * JSON.parse), so Int64, UInt64 and wide decimals arrive digit for digit. The HTTP stream is pulled one
 * chunk at a time: memory holds one chunk plus one batch.
 */
export class ClickhouseReader implements DataReader {
  readonly #c: ReaderConfig
  readonly #decoders: readonly Decode[]
  readonly #controller = new AbortController()
  #iterator: AsyncIterator<readonly string[]> | undefined
  #pending: readonly string[] = []
  #pendingIndex = 0
  #position = 0
  #ended = false

  constructor(config: ReaderConfig) {
    this.#c = config
    this.#decoders = config.schema.fields.map((f, i) =>
      decoderFor(f.type, `${config.context.name}.${f.name}`, config.zones[i]?.top, config.zones[i]?.nested),
    )
    config.context.signal.addEventListener('abort', () => this.#controller.abort(), { once: true })
  }

  async read(): Promise<ReadResult> {
    if (this.#ended) return { kind: 'end', position: this.#position }
    const rows: Row[] = []
    while (rows.length < this.#c.batchSize) {
      if (this.#pendingIndex >= this.#pending.length) {
        const next = await this.#next()
        if (next === undefined) {
          this.#ended = true
          break
        }
        this.#pending = next
        this.#pendingIndex = 0
        continue
      }
      const line = this.#pending[this.#pendingIndex++]!
      const ordinal = this.#position++
      const row = this.#decode(line, ordinal)
      if (row !== undefined) rows.push(row)
    }
    this.#c.context.metrics.count('records_read', rows.length)
    if (rows.length === 0 && this.#ended) return { kind: 'end', position: this.#position }

    return { kind: 'batch', batch: { schema: this.#c.schema, rows }, position: this.#position }
  }

  #decode(line: string, ordinal: number): Row | undefined {
    try {
      const json = parseExactJson(line) as Readonly<Record<string, ExactJson>>
      const fields = this.#c.schema.fields

      return fields.map((f, i) => {
        if (!Object.hasOwn(json, f.name)) {
          throw new FerrisError('FERRIS_SCHEMA_MISMATCH', `The ClickHouse result has no column ${f.name}`, {
            subject: `${this.#c.context.name}.${f.name}`,
            value: Object.keys(json).join(', '),
            hint: 'Name the column in the SELECT (AS name)',
          })
        }
        const v = this.#decoders[i]!(json[f.name]!)
        if (v === null && !f.nullable) {
          throw new FerrisError(
            'FERRIS_TYPE_CONVERSION',
            `${this.#c.context.name}.${f.name} is NULL but declared NOT NULL`,
            {
              subject: `${this.#c.context.name}.${f.name}`,
            },
          )
        }

        return v
      })
    } catch (error) {
      const e = isFerrisError(error) ? error : classifyError(error, 'reading a row')
      if (e.code === 'FERRIS_SCHEMA_MISMATCH') throw e
      this.#c.context.reportBadRecord({
        error: new FerrisError(
          e.code,
          `Row ${ordinal + 1} of ClickHouse source ${this.#c.context.name}: ${e.message}`,
          {
            ...e.context,
            location: { row: ordinal + 1 },
            cause: e,
          },
        ),
        raw: line,
        origin: this.#c.context.name,
        position: { row: ordinal + 1 },
      })

      return undefined
    }
  }

  async #next(): Promise<readonly string[] | undefined> {
    try {
      // Limitation: a resumed read skips rows with LIMIT offset, count; the count stays below 2^62 because
      // 18.16 overflows on offset + count and `LIMIT n, 18446744073709551615` crashes its server process.
      this.#iterator ??= this.#c.connection
        .stream(
          this.#position === 0 ? this.#c.sql : `${this.#c.sql} LIMIT ${this.#position}, ${LIMIT_ALL}`,
          this.#c.settings,
          this.#controller.signal,
        )
        [Symbol.asyncIterator]()
      const r = await this.#iterator.next()

      return r.done === true ? undefined : r.value
    } catch (error) {
      throw classifyError(error, `reading ${this.#c.context.name}`, this.#c.context.name)
    }
  }

  async commit(_position: Position): Promise<void> {}

  async seek(position: Position): Promise<void> {
    if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `A ClickHouse source position is a row count, got ${JSON.stringify(position)}`,
        {
          subject: this.#c.context.name,
          value: JSON.stringify(position),
          expected: 'a non-negative integer',
          hint: 'Resume from a checkpoint written by the ClickHouse source',
        },
      )
    }
    await this.#iterator?.return?.()
    this.#iterator = undefined
    this.#pending = []
    this.#pendingIndex = 0
    this.#position = position
    this.#ended = false
  }

  hasMore(): boolean {
    return !this.#ended
  }

  async close(): Promise<void> {
    this.#controller.abort()
    await this.#iterator?.return?.().catch(() => undefined)
    this.#iterator = undefined
    this.#ended = true
  }
}
