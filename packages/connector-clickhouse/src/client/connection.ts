import { Readable } from 'node:stream'
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client'
import { type ExactJson, parseExactJson } from '@ferris/core'

export type Settings = Readonly<Record<string, string | number>>

/**
 * What the connector asks of ClickHouse, over HTTP. A narrow interface so that tests can put a double in
 * place of the server (one that always fails, to test `classifyError` and the retries), and so that every
 * request goes through the few methods below.
 */
export interface ClickhouseConnection {
  /** DDL and other statements without a result. */
  command(sql: string, settings?: Settings): Promise<void>
  /** A small result (version, system tables) as exact JSON rows. */
  rows(sql: string, settings?: Settings): Promise<Array<Record<string, ExactJson>>>
  /** `INSERT INTO ... FORMAT JSONEachRow` with `body` as the data. */
  insert(sql: string, body: string, settings: Settings, queryId: string): Promise<void>
  /** A result streamed as JSONEachRow lines, a chunk of lines at a time. */
  stream(sql: string, settings: Settings, signal: AbortSignal): AsyncIterable<readonly string[]>
  close(): Promise<void>
}

export interface ConnectionConfig {
  readonly url: string
  readonly username: string
  readonly password?: string
  readonly database: string
  readonly requestTimeout: number
  readonly compression: boolean
}

export function createConnection(config: ConnectionConfig): ClickhouseConnection {
  const client = createClient({
    url: config.url,
    username: config.username,
    password: config.password ?? '',
    database: config.database,
    request_timeout: config.requestTimeout,
    compression: { request: config.compression, response: config.compression },
    application: 'ferris',
    // Silent: failures reach the caller as errors, and the job's logger says what it needs to.
    log: { level: ClickHouseLogLevel.OFF },
    // Our own retries decide when a request may be sent again; the client must not resend on its own.
    keep_alive: { enabled: true },
  })

  return new HttpConnection(client)
}

class HttpConnection implements ClickhouseConnection {
  readonly #client: ClickHouseClient

  constructor(client: ClickHouseClient) {
    this.#client = client
  }

  async command(sql: string, settings: Settings = {}): Promise<void> {
    await this.#client.command({ query: sql, clickhouse_settings: settings })
  }

  async rows(sql: string, settings: Settings = {}): Promise<Array<Record<string, ExactJson>>> {
    const result = await this.#client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: settings })
    const text = await result.text()

    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => parseExactJson(line) as Record<string, ExactJson>)
  }

  async insert(sql: string, body: string, settings: Settings, queryId: string): Promise<void> {
    const result = await this.#client.exec({
      query: sql,
      values: Readable.from([Buffer.from(body)]),
      clickhouse_settings: settings,
      query_id: queryId,
    })
    // The response body is empty; read it so the socket goes back to the pool.
    for await (const _ of result.stream) {
      // nothing to read
    }
  }

  async *stream(sql: string, settings: Settings, signal: AbortSignal): AsyncIterable<readonly string[]> {
    const result = await this.#client.query({
      query: sql,
      format: 'JSONEachRow',
      clickhouse_settings: settings,
      abort_signal: signal,
    })
    const stream = result.stream()
    try {
      for await (const rows of stream) {
        yield (rows as Array<{ text: string }>).map((r) => r.text)
      }
    } finally {
      stream.destroy()
    }
  }

  async close(): Promise<void> {
    await this.#client.close()
  }
}
