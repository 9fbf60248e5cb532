import { randomBytes } from 'node:crypto'
import {
  type BadRecord,
  type ConnectorContext,
  connectorOptions,
  noopMetrics,
  parseConnectionString,
  type silentLogger,
} from '@ferris/core'
import pg from 'pg'
import { onTestFinished } from 'vitest'
import { type PostgresOptions, postgresOptions } from '../../src/options.js'
import { postgresConnector } from '../../src/plugin.js'

/** The server `tools/services/postgres/start` runs; its last output line is this URL. */
export const PG_URL = process.env.FERRIS_PG_URL ?? 'postgresql://ferris:ferris@127.0.0.1:15432/ferris'
/** Superuser on the same server, trusted on 127.0.0.1, for fixtures only. */
export const PG_SUPER_URL = process.env.FERRIS_PG_SUPER_URL ?? 'postgresql://postgres@127.0.0.1:15432/ferris'

/** Fails (never skips) with the command to run when the server is down. */
export async function requireServer(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_URL.replace(/:[^:@/]*@/, ':***@')} (${(error as Error).message}): start it with tools/services/postgres/start`,
    )
  } finally {
    await client.end().catch(() => {})
  }
}

/** A plain client for fixtures and checks; ended when the test finishes. */
export async function adminClient(url = PG_URL): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  onTestFinished(async () => {
    await client.end().catch(() => {})
  })

  return client
}

/** A name no other test uses, with `tag` for reading the server's catalog. */
export function uniqueName(tag: string): string {
  return `t_${tag}_${randomBytes(4).toString('hex')}`
}

/** Drops the table when the test finishes; call it before the table is created. */
export function dropTableAfter(name: string): void {
  onTestFinished(async () => {
    const c = new pg.Client({ connectionString: PG_URL })
    await c.connect()
    await c.query(`DROP TABLE IF EXISTS "${name.replaceAll('"', '""')}" CASCADE`).catch(() => {})
    await c.end()
  })
}

/** Creates a table with `ddl` (columns) and drops it when the test finishes. */
export async function createTable(client: pg.Client, name: string, ddl: string): Promise<void> {
  dropTableAfter(name)
  await client.query(`CREATE TABLE "${name.replaceAll('"', '""')}" (${ddl})`)
}

/** Drops a slot and publication when the test finishes, whatever the reader did. */
export function dropSlotAfter(slot: string, publication?: string): void {
  onTestFinished(async () => {
    const c = new pg.Client({ connectionString: PG_URL })
    await c.connect()
    for (let i = 0; i < 50; i++) {
      try {
        // A reader a failed test never closed still holds the slot: end its walsender first.
        await c.query(
          'SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL',
          [slot],
        )
        await c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [
          slot,
        ])
        break
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    if (publication !== undefined) await c.query(`DROP PUBLICATION IF EXISTS "${publication}"`).catch(() => {})
    await c.end()
  })
}

/** Options as the host builds them: from the connection string plus `extra` WITH properties. */
export function optionsFor(table: string, extra: Record<string, string> = {}, url = PG_URL): PostgresOptions {
  const raw = postgresConnector.fromConnectionString(parseConnectionString(url))

  return connectorOptions(postgresOptions)
    .merge(raw)
    .merge({ table, ...extra })
    .build('test') as PostgresOptions
}

export interface TestContext extends ConnectorContext {
  readonly bad: BadRecord[]
  readonly logs: Array<{ level: string; message: string; fields?: Readonly<Record<string, unknown>> }>
}

/** A context that records bad records (policy `skip`) and log lines. */
export function testContext(name: string, signal: AbortSignal = new AbortController().signal): TestContext {
  const bad: BadRecord[] = []
  const logs: TestContext['logs'] = []
  const logger = {
    isLevelEnabled: () => true,
    log: (level: string, message: string, fields?: Readonly<Record<string, unknown>>) =>
      logs.push({ level, message, ...(fields === undefined ? {} : { fields }) }),
    child: () => logger,
  }

  return {
    name,
    logger: logger as unknown as typeof silentLogger,
    metrics: noopMetrics,
    signal,
    cwd: process.cwd(),
    reportBadRecord: (record) => {
      bad.push(record)
    },
    bad,
    logs,
  }
}
