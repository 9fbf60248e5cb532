import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { connectorOptions, type OptionValues, parseConnectionString } from '@ferris/core'
import { clickhouseFromConnectionString, clickhouseOptions } from '../../src/options.js'

/** The server the integration tests use: FERRIS_CLICKHOUSE_URI, or what tools/services/clickhouse/start prints. */
export const CLICKHOUSE_URI = process.env.FERRIS_CLICKHOUSE_URI ?? 'clickhouse://127.0.0.1:18123/ferris'
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')
const base = clickhouseFromConnectionString(parseConnectionString(CLICKHOUSE_URI))
export const HTTP_URL = base.url!
export const DATABASE = base.database ?? 'default'

/** Fails (never skips) when the server is down, saying how to start it. */
export async function requireServer(): Promise<void> {
  try {
    const response = await fetch(`${HTTP_URL}/ping`, { signal: AbortSignal.timeout(3000) })
    if ((await response.text()).trim() === 'Ok.') return
  } catch {
    // reported below
  }
  throw new Error(
    `ClickHouse does not answer at ${HTTP_URL} (FERRIS_INTEGRATION=1 needs it): start it with tools/services/clickhouse/start`,
  )
}

/** Raw SQL over HTTP, for checks that must not go through the code under test. */
export async function sql(query: string): Promise<string> {
  const response = await fetch(`${HTTP_URL}/?database=${encodeURIComponent(DATABASE)}`, { method: 'POST', body: query })
  const text = await response.text()
  if (!response.ok) throw new Error(`${query}: ${text}`)

  return text
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().slice(0, 8)}`
}

export function options(raw: Record<string, string>): OptionValues<typeof clickhouseOptions> {
  return connectorOptions(clickhouseOptions)
    .merge({ ...base, ...raw })
    .build('ch')
}

const run = promisify(execFile)

export async function stopServer(): Promise<void> {
  await run(resolve(REPO, 'tools/services/clickhouse/stop'))
}

export async function startServer(): Promise<void> {
  await run(resolve(REPO, 'tools/services/clickhouse/start'))
}
