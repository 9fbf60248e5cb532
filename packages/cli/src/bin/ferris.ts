#!/usr/bin/env node
import { main } from '../main.js'

/**
 * Exits once stdout and stderr have been flushed. The job has committed and closed everything by the time
 * `main` resolves, so anything still holding the event loop (a file-system call that never settles, a client
 * library's timer) must not keep a finished command alive.
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code
  let pending = 2
  const done = () => {
    pending -= 1
    if (pending === 0) process.exit(code)
  }
  process.stdout.write('', done)
  process.stderr.write('', done)
}

main(process.argv.slice(2)).then(exitWhenFlushed, (error: unknown) => {
  process.stderr.write(`FERRIS_INTERNAL: ${error instanceof Error ? error.message : String(error)}\n`)
  exitWhenFlushed(1)
})
