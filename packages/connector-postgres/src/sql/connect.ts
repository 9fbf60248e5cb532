import { FerrisError } from '@ferris/core'
import pg from 'pg'
import type { PostgresOptions } from '../options.js'
import { classifyError } from './classify-error.js'

/**
 * Session settings that make every value's text independent of the server's and the host's defaults:
 * timestamps print in UTC and ISO order, bytea as hex, floats with all their digits, intervals as ISO 8601.
 * Sent in the startup packet, so they also hold on replication connections, whose pgoutput text output uses
 * the walsender's settings.
 */
export const SESSION_OPTIONS =
  '-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=iso_8601 -c bytea_output=hex -c extra_float_digits=3'

/**
 * Type parsers for one client: every value stays the text the server sent. `pg`'s global parsers turn
 * int8 and numeric into strings but timestamps into JS Dates (milliseconds, host time zone); these
 * per-client parsers leave the global ones untouched for any other code in the process.
 */
export const rawTypes = { getTypeParser: () => (text: string) => text } as unknown as pg.CustomTypesConfig

export function clientConfig(options: PostgresOptions, extra: Partial<pg.ClientConfig> = {}): pg.ClientConfig {
  return {
    host: options.host,
    port: options.port,
    ...(options.database === undefined ? {} : { database: options.database }),
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.password === undefined ? {} : { password: options.password }),
    connectionTimeoutMillis: options.connect_timeout,
    application_name: options.application_name,
    options: SESSION_OPTIONS,
    types: rawTypes,
    ...(options.ssl === 'disable' ? {} : { ssl: { rejectUnauthorized: options.ssl === 'verify-full' } }),
    ...extra,
  }
}

/** Where a connection goes, for messages: never the password. */
export function describeTarget(options: PostgresOptions): string {
  return `postgresql://${options.user === undefined ? '' : `${options.user}@`}${options.host}:${options.port}/${options.database ?? ''}`
}

/** Connects a new client; failures become classified FerrisErrors naming the target (without password). */
export async function connectClient(
  options: PostgresOptions,
  subject: string,
  extra: Partial<pg.ClientConfig> = {},
): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(options, extra))
  // An idle client whose server goes away emits 'error'; without a listener Node would crash the process.
  // The next query on it fails and is classified there.
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => {})
    throw classifyError(error, subject, `connecting to ${describeTarget(options)}`)
  }

  return client
}

export function requireOption<T>(value: T | undefined, name: string, subject: string, what: string): T {
  if (value === undefined || value === '') {
    throw new FerrisError('FERRIS_CONFIG_INVALID', `${subject}: the option '${name}' is required ${what}`, {
      subject: `${subject}.${name}`,
      hint: `Add ${name}=... to the connection string or '${subject}.${name}' = '...' to the WITH clause`,
    })
  }

  return value
}
