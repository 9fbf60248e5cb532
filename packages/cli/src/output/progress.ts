/** Counters the CLI shows; filled from the job runner's progress events. */
export interface ProgressView {
  readonly elapsedMs: number
  readonly read: number
  readonly written: number
  readonly bad: number
}

/**
 * One status line on a terminal, redrawn in place at most a few times a second:
 * `read 1,204,332 (402k/s)  written 98,112  bad 3  00:03.1`.
 */
export class ProgressLine {
  readonly #write: (text: string) => void
  #last = 0
  #shown = false
  #text = ''

  constructor(write: (text: string) => void) {
    this.#write = write
  }

  update(view: ProgressView, force = false): void {
    const now = Date.now()
    if (!force && now - this.#last < 200) return
    this.#last = now
    this.#text = formatProgress(view)
    this.#write(`\r\x1b[2K${this.#text}`)
    this.#shown = true
  }

  /** Leaves the final counts on their own line. */
  finish(view: ProgressView): void {
    this.update(view, true)
    if (this.#shown) this.#write('\n')
    this.#shown = false
  }

  /** Clears the line so a log message can be printed over it. */
  clear(): void {
    if (this.#shown) this.#write('\r\x1b[2K')
  }

  /** Prints other output (a log line, result rows) above the status line, then draws the line again. */
  around(print: () => void): void {
    this.clear()
    print()
    if (this.#shown) this.#write(this.#text)
  }
}

export function formatProgress(view: ProgressView): string {
  const secs = view.elapsedMs / 1000
  const rate = secs > 0 ? view.read / secs : 0

  return [
    `read ${view.read.toLocaleString('en-US')} (${formatRate(rate)}/s)`,
    `written ${view.written.toLocaleString('en-US')}`,
    `bad ${view.bad.toLocaleString('en-US')}`,
    formatElapsed(view.elapsedMs),
  ].join('  ')
}

function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(1)}M`
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(0)}k`

  return rate.toFixed(0)
}

export function formatElapsed(ms: number): string {
  const total = ms / 1000
  const m = Math.floor(total / 60)
  const s = total - m * 60

  return `${String(m).padStart(2, '0')}:${s.toFixed(1).padStart(4, '0')}`
}
