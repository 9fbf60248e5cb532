import { LOG_LEVELS, type Logger, type LogLevel, redactSecrets } from '@ferris/core'
import { pino } from 'pino'

/** JSON lines on stderr through pino, for `--log-format json` and for runs without a terminal. */
export function createJsonLogger(level: LogLevel, destination: NodeJS.WritableStream = process.stderr): Logger {
  const base = pino(
    {
      level,
      base: { name: 'ferris' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // The last line of defence: a message or field that quotes a connection string loses its password.
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)) as Parameters<typeof method>,
          )
        },
      },
    },
    destination as pino.DestinationStream,
  )

  return wrapPino(base)
}

/**
 * A child's fields replace the parent's of the same name: pino's own children append bindings, which wrote
 * `"module":"sql",...,"module":"connector-kafka"` into one line. So every child is made from the root logger
 * with the merged fields.
 */
function wrapPino(root: pino.Logger, bound: Readonly<Record<string, unknown>> = {}): Logger {
  const p = Object.keys(bound).length === 0 ? root : root.child(bound)
  return {
    isLevelEnabled: (level) => p.isLevelEnabled(level),
    log: (level, message, fields) => {
      if (!p.isLevelEnabled(level)) return
      if (fields === undefined) p[level](message)
      else p[level](sanitize(fields), message)
    },
    child: (fields) => wrapPino(root, { ...bound, ...sanitize(fields) }),
  }
}

/** Human-readable lines on stderr, for a terminal, where the progress line lives on stdout... stderr too. */
export function createTextLogger(level: LogLevel, write: (line: string) => void): Logger {
  const min = LOG_LEVELS.indexOf(level)
  const make = (bound: Readonly<Record<string, unknown>>): Logger => ({
    isLevelEnabled: (l) => LOG_LEVELS.indexOf(l) >= min,
    log: (l, message, fields) => {
      if (LOG_LEVELS.indexOf(l) < min) return
      const all = { ...bound, ...fields }
      const extra = Object.entries(all)
        .filter(([k]) => k !== 'module')
        .map(([k, v]) => `${k}=${formatField(v)}`)
        .join(' ')
      write(redactSecrets(`${l.toUpperCase().padEnd(5)} ${message}${extra === '' ? '' : `  ${extra}`}`))
    },
    child: (fields) => make({ ...bound, ...fields }),
  })

  return make({})
}

function formatField(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof Error) return JSON.stringify(v.message)

  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))
}

function sanitize(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(fields)) {
    out[k] = typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? redactSecrets(v) : v
  }

  return out
}
