import { formatValue, type RecordBatch } from '@ferris/core'
import { type ApplicationProgress, type ApplicationResult, runApplication } from '@ferris/sql'
import { parseSetOptions, readApplication } from '../app/read-application.js'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { formatElapsed, ProgressLine, type ProgressView } from '../output/progress.js'
import { describeFailure, isInvalidApplication } from '../output/report-error.js'
import type { CommandEnv } from './context.js'

export interface RunOptions {
  readonly set: readonly string[]
  /** Ignore stored checkpoints and read every source from its beginning. */
  readonly fresh?: boolean
  /** How often a non-interactive run logs its counters. */
  readonly progressIntervalMs?: number
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

  const line = env.interactive ? new ProgressLine(env.stderr) : undefined
  let lastLogged = 0
  let view: ProgressView = { elapsedMs: 0, read: 0, written: 0, bad: 0 }
  const onProgress = (p: ApplicationProgress) => {
    view = toView(p, Date.now() - started)
    if (line !== undefined) line.update(view)
    else if (Date.now() - lastLogged >= (options.progressIntervalMs ?? 5000)) {
      lastLogged = Date.now()
      env.logger.log('info', 'progress', { ...view, jobs: p.jobs.map((j) => ({ name: j.name, state: j.state })) })
    }
  }
  const printer = new RowPrinter(env.stdout)

  try {
    const app = await readApplication(file, env.cwd)
    const set = parseSetOptions(options.set)
    const { registry } = await env.loadConnectors()
    env.logger.log('info', `running ${file}`, { connectors: registry.schemes().join(',') })
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
    line?.clear()
    env.stderr(`${describeFailure(error)}\n`)
    if (interrupted) return EXIT.INTERRUPTED

    return isInvalidApplication(error) ? EXIT.INVALID : EXIT.RUNTIME_FAILURE
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
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
    written += j.sink.written
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
      written: j.sink.written,
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
