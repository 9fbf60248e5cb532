import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { type ConnectorContext, FerrisError, type Logger, type LogLevel, redactSecrets } from '@ferris/core'
import kafkajs, { type KafkaConfig, type SASLOptions } from 'kafkajs'

// kafkajs is CommonJS: Node's ESM loader sees only its default export, so values come from there.
const { logLevel } = kafkajs

import type { KafkaOptions } from './options.js'

/** How often and how long kafkajs retries one request before the error reaches us. */
export const RETRY = { initialRetryTime: 300, maxRetryTime: 10_000, retries: 8, factor: 0.2, multiplier: 2 } as const

/** The kafkajs client configuration for validated options. Files named by ssl_* options are read here. */
export function kafkaConfig(options: KafkaOptions, context: ConnectorContext, role: 'source' | 'sink'): KafkaConfig {
  const protocol = options.security_protocol ?? (options.sasl_username === undefined ? 'plaintext' : 'sasl_plaintext')
  const useSsl = protocol === 'ssl' || protocol === 'sasl_ssl'
  const useSasl = protocol === 'sasl_plaintext' || protocol === 'sasl_ssl'
  if (useSasl && (options.sasl_username === undefined || options.sasl_password === undefined)) {
    throw new FerrisError(
      'FERRIS_CONFIG_INVALID',
      `${context.name}: security_protocol ${protocol} needs sasl_username and sasl_password`,
      {
        subject: `${context.name}.sasl_username`,
        hint: 'Set sasl_username and sasl_password, or write them in the connection string as kafka://user:password@host:port/topic',
      },
    )
  }
  const readPem = (option: 'ssl_ca_location' | 'ssl_certificate_location' | 'ssl_key_location'): Buffer | undefined => {
    const path = options[option]
    if (path === undefined) return undefined
    try {
      return readFileSync(isAbsolute(path) ? path : resolve(context.cwd, path))
    } catch (error) {
      throw new FerrisError(
        'FERRIS_CONFIG_INVALID',
        `${context.name}.${option}: cannot read ${path}: ${(error as Error).message}`,
        {
          subject: `${context.name}.${option}`,
          value: path,
          hint: 'Give the path of a readable PEM file',
          cause: error,
        },
      )
    }
  }
  const ca = readPem('ssl_ca_location')
  const cert = readPem('ssl_certificate_location')
  const key = readPem('ssl_key_location')
  const sasl: SASLOptions | undefined = useSasl
    ? ({
        mechanism: options.sasl_mechanism,
        username: options.sasl_username!,
        password: options.sasl_password!,
      } as SASLOptions)
    : undefined

  return {
    clientId: options.client_id,
    brokers: [...options.bootstrap_servers],
    connectionTimeout: options.connection_timeout,
    requestTimeout: options.request_timeout,
    ...(useSsl
      ? {
          ssl: {
            rejectUnauthorized: options.ssl_verify,
            ...(ca === undefined ? {} : { ca: [ca] }),
            ...(cert === undefined ? {} : { cert }),
            ...(key === undefined ? {} : { key }),
            ...(options.ssl_key_password === undefined ? {} : { passphrase: options.ssl_key_password }),
          },
        }
      : {}),
    ...(sasl === undefined ? {} : { sasl }),
    retry: { ...RETRY },
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(context.logger.child({ module: 'connector-kafka', [role]: context.name })),
  }
}

const LEVELS: Readonly<Record<number, LogLevel>> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
}

/**
 * kafkajs logs through our logger, one level down: its "error" lines (a broker that went away, a retry) are
 * what the connector handles itself, so they are warnings to a Ferris user. Messages are redacted.
 */
function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: { level: number; log: { message: string; [k: string]: unknown } }) => {
      const ours: LogLevel =
        level === logLevel.ERROR
          ? 'warn'
          : level === logLevel.WARN
            ? 'info'
            : level === logLevel.INFO
              ? 'debug'
              : (LEVELS[level] ?? 'debug')
      // Said for every idempotent producer because we bound kafkajs's retries: the sink retries sends itself and
      // the job replays from its checkpoint, so the warning tells a Ferris user nothing to act on.
      if (log.message.startsWith('Limiting retries for the idempotent producer')) return
      if (!logger.isLevelEnabled(ours)) return
      const { message, timestamp: _t, logger: _l, ...fields } = log

      logger.log(ours, `kafkajs: ${redactSecrets(message)}`, fields)
    }
}
