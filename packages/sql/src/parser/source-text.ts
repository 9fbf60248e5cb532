import type { ErrorCode } from '@ferris/core'
import { FerrisError } from '@ferris/core'

/** A range of the SQL text: offsets of the first character and just after the last. */
export interface Span {
  readonly start: number
  readonly end: number
}

export interface LineColumn {
  /** 1-based. */
  readonly line: number
  /** 1-based, in characters. */
  readonly column: number
}

/**
 * The SQL text an application was parsed from. Nodes keep offsets only; line, column and the caret
 * excerpt are worked out here when an error needs them, so parsing pays nothing for them.
 */
export class SourceText {
  readonly text: string
  /** Where the application came from, e.g. `app.sql`, for messages. */
  readonly name: string | undefined
  readonly #lineStarts: number[]

  constructor(text: string, name?: string) {
    this.text = text
    this.name = name
    const starts = [0]
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1)
    this.#lineStarts = starts
  }

  locate(offset: number): LineColumn {
    let lo = 0
    let hi = this.#lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.#lineStarts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }

    return { line: lo + 1, column: offset - this.#lineStarts[lo]! + 1 }
  }

  /** The line of `span` with carets under it, e.g. `  2 | WHERE amout > 1\n    |       ^^^^^`. */
  excerpt(span: Span): string {
    const { line, column } = this.locate(span.start)
    const lineStart = this.#lineStarts[line - 1]!
    const next = this.#lineStarts[line]
    const lineText = this.text.slice(lineStart, next === undefined ? this.text.length : next - 1).replace(/\r$/, '')
    const width = Math.max(1, Math.min(span.end, lineStart + lineText.length) - span.start)
    const gutter = String(line)
    const pad = ' '.repeat(gutter.length)
    const indent = lineText.slice(0, column - 1).replace(/[^\t]/g, ' ')

    return `  ${gutter} | ${lineText}\n  ${pad} | ${indent}${'^'.repeat(width)}`
  }

  /** An error pointing at `span`: message with line, column and the caret excerpt, and the same as context. */
  error(
    code: ErrorCode,
    span: Span,
    message: string,
    details: { value?: string; expected?: string; hint?: string; subject?: string; cause?: unknown } = {},
  ): FerrisError {
    const { line, column } = this.locate(span.start)
    const where = `${this.name === undefined ? '' : `${this.name}:`}line ${line}, column ${column}`
    const excerpt = this.excerpt(span)

    return new FerrisError(code, `${message} at ${where}\n${excerpt}`, {
      ...details,
      location: { ...(this.name === undefined ? {} : { file: this.name }), line, column },
      excerpt,
    })
  }
}
