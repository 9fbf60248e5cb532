import { type ChildProcess, spawn } from 'node:child_process'
import { FERRIS_BIN } from './run-cli.js'

/** A `ferris run app.sql` process started in a folder, with everything it printed so far. */
export interface FerrisRun {
  readonly child: ChildProcess
  /** Resolves with the exit code, or null when the process died of a signal. */
  readonly exited: Promise<number | null>
  log(): string
}

const running = new Set<ChildProcess>()

/** Starts `ferris run app.sql` in `dir` (the built CLI). */
export function startFerris(dir: string, args: readonly string[] = []): FerrisRun {
  let log = ''
  const child = spawn(process.execPath, [FERRIS_BIN, 'run', 'app.sql', ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  child.stdout!.on('data', (d) => {
    log += d
  })
  child.stderr!.on('data', (d) => {
    log += d
  })
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      running.delete(child)
      resolve(code)
    }),
  )

  return { child, exited, log: () => log }
}

/** Waits until `test` holds, failing with what ferris printed when `timeoutMs` passes or ferris exits first. */
export async function waitForFerris(
  what: string,
  run: FerrisRun,
  test: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs
  let exited = false
  void run.exited.then(() => {
    exited = true
  })
  while (!(await test())) {
    if (Date.now() > until || exited) {
      throw new Error(
        `${exited ? 'ferris exited' : 'timed out'} waiting for ${what}; ferris said:\n${run.log().slice(-2000)}`,
      )
    }
    await new Promise((r) => setTimeout(r, 25))
  }
}

export async function killFerris(run: FerrisRun): Promise<void> {
  run.child.kill('SIGKILL')
  await run.exited
}

/** For `afterAll`: no process of a failed test outlives it. */
export function killAllFerris(): void {
  for (const child of running) child.kill('SIGKILL')
}
