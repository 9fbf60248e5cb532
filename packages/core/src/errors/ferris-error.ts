import { type ErrorCode, RETRYABLE_BY_DEFAULT } from './error-codes.js'
import { redactSecrets } from './redact.js'

/** A key every copy of @ferris/core agrees on, so guards work across duplicate installs (no `instanceof`). */
const BRAND = Symbol.for('ferris:error')

/** Where in the user's input or data an error happened. Every field is optional; fill what is known. */
export interface ErrorContext {
  /** The source, sink, operator or option the error concerns, e.g. `orders` or `out.path`. */
  readonly subject?: string
  /** The value seen, already redacted if it could hold a secret. */
  readonly value?: unknown
  /** What is accepted instead, e.g. `one of csv, jsonl, parquet`. */
  readonly expected?: string
  /** What the user can do about it. */
  readonly hint?: string
  /** A file, URI or topic, with its position: line, column, byte offset, partition, offset. */
  readonly location?: Readonly<Record<string, string | number | bigint>>
  readonly [key: string]: unknown
}

export interface FerrisErrorOptions extends ErrorContext {
  readonly cause?: unknown
  /** Overrides the default for the code. */
  readonly retryable?: boolean
}

/**
 * The one error type of Ferris. `code` is stable; `message` is for people and says what failed, the value
 * seen, what is accepted and what to do. `retryable` says whether the same call may succeed later.
 */
export class FerrisError extends Error {
  readonly [BRAND] = true
  readonly code: ErrorCode
  readonly retryable: boolean
  readonly context: ErrorContext

  constructor(code: ErrorCode, message: string, options: FerrisErrorOptions = {}) {
    const { cause, retryable, ...context } = options
    super(redactSecrets(message), cause === undefined ? undefined : { cause })
    this.name = 'FerrisError'
    this.code = code
    this.retryable = retryable ?? RETRYABLE_BY_DEFAULT.has(code)
    this.context = context
  }

  /** The message followed by the context lines a person needs, without a stack trace. */
  describe(): string {
    const lines = [`${this.code}: ${this.message}`]
    const { subject, value, expected, hint, location } = this.context
    if (location !== undefined) {
      lines.push(
        `  at: ${Object.entries(location)
          .map(([k, v]) => `${k} ${String(v)}`)
          .join(', ')}`,
      )
    }
    if (subject !== undefined) lines.push(`  subject: ${subject}`)
    if (value !== undefined) lines.push(`  value: ${redactSecrets(formatValue(value))}`)
    if (expected !== undefined) lines.push(`  expected: ${expected}`)
    if (hint !== undefined) lines.push(`  hint: ${hint}`)
    let cause = this.cause
    while (cause !== undefined && cause !== null) {
      const text = cause instanceof Error ? cause.message : String(cause)
      // A wrapper often repeats its cause's text in its own message; saying it twice helps nobody.
      if (!this.message.includes(redactSecrets(text))) lines.push(`  caused by: ${redactSecrets(text)}`)
      cause = cause instanceof Error ? cause.cause : undefined
    }

    return lines.join('\n')
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...Object.fromEntries(
        Object.entries(this.context).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]),
      ),
      ...(this.cause instanceof Error ? { cause: redactSecrets(this.cause.message) } : {}),
    }
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value)
  if (typeof value === 'bigint') return `${value}`

  try {
    return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value)
  } catch {
    return String(value)
  }
}

export function isFerrisError(error: unknown): error is FerrisError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true
}

/** Walks `cause` chains and `AggregateError`s for the first FerrisError with one of the codes. */
export function findFerrisError(error: unknown, ...codes: ErrorCode[]): FerrisError | undefined {
  const seen = new Set<unknown>()
  const stack = [error]
  while (stack.length > 0) {
    const e = stack.pop()
    if (e === undefined || e === null || seen.has(e)) continue
    seen.add(e)
    if (isFerrisError(e) && (codes.length === 0 || codes.includes(e.code))) return e
    if (e instanceof AggregateError) stack.push(...e.errors)
    if (e instanceof Error) stack.push(e.cause)
  }

  return undefined
}

/** Wraps anything thrown into a FerrisError, keeping it as the cause. */
export function toFerrisError(error: unknown, code: ErrorCode = 'FERRIS_INTERNAL', message?: string): FerrisError {
  if (isFerrisError(error)) return error
  const text = error instanceof Error ? error.message : String(error)

  return new FerrisError(code, message ?? text, { cause: error })
}
