import { basename, extname } from 'node:path'
import { FerrisError, formatValue, type RecordBatch } from '@ferris/core'
import { FerrisMetrics, HealthRegistry, type ObservabilityServer, startObservabilityServer } from '@ferris/recovery'
import { type ApplicationProgress, type ApplicationResult, runApplication } from '@ferris/sql'
import { parseSetOptions, readApplication } from '../app/read-application.js'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { formatElapsed, type ProgressView } from '../output/progress.js'
import { isInvalidApplication, reportFailure } from '../output/report-error.js'
import type { CommandEnv } from './context.js'

export interface RunOptions {
  readonly set: readonly string[]
  /** Ignore stored checkpoints and read every source from its beginning. */
  readonly fresh?: boolean
  /** How often a non-interactive run logs its counters. */
  readonly progressIntervalMs?: number
  /** `host:port` on which to serve `/health` and `/metrics` while the job runs (`--http 127.0.0.1:9464`). */
  readonly http?: string
}

/**
 * `ferris run app.sql`: runs until the bounded sources end or until Ctrl-C / SIGTERM, which stop reading,
 * flush and commit what was processed, then exit 130. A second Ctrl-C exits at once, without committing.
 */
export async function runCommand(file: string, options: RunOptions, env: CommandEnv): Promise<ExitCode> {
  const started = Date.now()
  const controller = new AbortController()
  let interrupted = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      env.stderr(`\n${signal} again: exiting without committing\n`)
      process.exit(EXIT.INTERRUPTED)
    }
    interrupted = true
    env.logger.log('warn', `${signal} received: stopping, flushing and committing (press Ctrl-C again to exit at once)`)
    controller.abort(new Error(`stopped by ${signal}`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  const line = env.status
  let lastLogged = 0
  /** Whether a job got past opening its source and sink (errors before that are the application's: exit 2). */
  let jobStarted = false
  let view: ProgressView = { elapsedMs: 0, read: 0, written: 0, bad: 0 }
  const onProgress = (p: ApplicationProgress) => {
    if (p.jobs.some((j) => j.state === 'running' || j.state === 'finishing' || j.state === 'completed'))
      jobStarted = true
    view = toView(p, Date.now() - started)
    if (line !== undefined) line.update(view)
    else if (Date.now() - lastLogged >= (options.progressIntervalMs ?? 5000)) {
      lastLogged = Date.now()
      env.logger.log('info', 'progress', { ...view, jobs: p.jobs.map((j) => ({ name: j.name, state: j.state })) })
    }
  }
  const printer = new RowPrinter(env.stdout)
  let server: ObservabilityServer | undefined

  try {
    const address = options.http === undefined ? undefined : parseHttpAddress(options.http)
    const app = await readApplication(file, env.cwd)
    const set = parseSetOptions(options.set)
    const { registry } = await env.loadConnectors()
    env.logger.log('info', `running ${file}`, { connectors: registry.schemes().join(',') })
    // The `job` label of every metric is the application's file name; sources and sinks carry their own.
    const observability =
      address === undefined
        ? undefined
        : {
            metrics: new FerrisMetrics({ job: basename(file, extname(file)), processMetrics: true }),
            health: new HealthRegistry(),
          }
    if (address !== undefined && observability !== undefined) {
      server = await startObservabilityServer({ ...address, ...observability })
      env.logger.log('info', `serving ${server.url}/health and ${server.url}/metrics`)
    }
    const result = await runApplication(app.text, {
      registry,
      cwd: env.cwd,
      set,
      fileName: file,
      fresh: options.fresh === true,
      logger: env.logger,
      signal: controller.signal,
      onProgress,
      onRows: (_job, batch) => printer.print(batch),
      ...(observability === undefined ? {} : { observability }),
    })
    view = { ...toView({ jobs: result.jobs }, Date.now() - started) }
    line?.finish(view)
    env.logger.log(
      'info',
      interrupted ? 'stopped after committing its output' : 'completed',
      summary(result, Date.now() - started),
    )

    return interrupted ? EXIT.INTERRUPTED : EXIT.OK
  } catch (error) {
    line?.finish(view)
    reportFailure(error, env)
    if (interrupted) return EXIT.INTERRUPTED

    return isInvalidApplication(error, !jobStarted) ? EXIT.INVALID : EXIT.RUNTIME_FAILURE
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await server?.close()
  }
}

/**
 * Reads `--http host:port`: an IPv4 address or host name, or an IPv6 address in brackets, and a port from 0
 * to 65535 (0 picks a free one; the log line names it).
 */
export function parseHttpAddress(text: string): { host: string; port: number } {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text.trim())
  const port = match === null ? Number.NaN : Number(match[2])
  if (match === null || port > 65535) {
    throw new FerrisError('FERRIS_CONFIG_INVALID', `--http expects host:port, got "${text}"`, {
      subject: '--http',
      value: text,
      expected: 'host:port with a port from 0 to 65535, e.g. 127.0.0.1:9464 or [::1]:9464',
      hint: 'Serve health and metrics on the loopback address unless a scraper elsewhere needs them: --http 127.0.0.1:9464',
    })
  }
  const host = match[1]!

  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port }
}

function toView(p: ApplicationProgress, elapsedMs: number): ProgressView {
  let read = 0
  let written = 0
  let bad = 0
  for (const j of p.jobs) {
    for (const s of Object.values(j.sources)) {
      read += s.read
      bad += s.bad
    }
    // Rows the sink rejected were handed to it but not kept: they count as bad, not as written.
    written += j.sink.written - j.sink.bad
    bad += j.sink.bad
  }

  return { elapsedMs, read, written, bad }
}

function summary(result: ApplicationResult, elapsedMs: number): Record<string, unknown> {
  return {
    elapsed: formatElapsed(elapsedMs),
    jobs: result.jobs.map((j) => ({
      job: j.name,
      state: j.state,
      read: Object.values(j.sources).reduce((n, s) => n + s.read, 0),
      written: j.sink.written - j.sink.bad,
      bad: Object.values(j.sources).reduce((n, s) => n + s.bad, 0) + j.sink.bad,
      deadLettered: j.deadLettered,
      checkpoints: j.checkpoints,
    })),
  }
}

/** Prints the rows of a bare SELECT to stdout: a header line, then tab-separated values. */
class RowPrinter {
  readonly #write: (text: string) => void
  #headerPrinted = false

  constructor(write: (text: string) => void) {
    this.#write = write
  }

  print(batch: RecordBatch): void {
    const fields = batch.schema.fields
    const out: string[] = []
    if (!this.#headerPrinted) {
      out.push(fields.map((f) => f.name).join('\t'))
      this.#headerPrinted = true
    }
    for (const row of batch.rows) {
      out.push(
        fields
          .map((f, i) => (row[i] === null || row[i] === undefined ? 'NULL' : formatValue(row[i]!, f.type)))
          .join('\t'),
      )
    }
    this.#write(`${out.join('\n')}\n`)
  }
}
