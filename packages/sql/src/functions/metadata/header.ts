import { type Header, T } from '@ferris/core'
import { argTypeError, bound, checkArity, isStringArg } from '../bind-support.js'
import { defineFunction } from '../define.js'

const decoder = new TextDecoder('utf-8')

/** The last header called `name` (Kafka's lastHeader), or undefined. */
function lastHeader(headers: readonly Header[] | undefined, name: string): Header | undefined {
  if (headers === undefined) return undefined
  for (let i = headers.length - 1; i >= 0; i--) if (headers[i]!.key === name) return headers[i]

  return undefined
}

const SIGNATURE = "HEADER(name STRING) → STRING, e.g. HEADER('trace-id')"

/**
 * The value of the current record's header `name` as UTF-8 text (bytes that are not UTF-8 become U+FFFD);
 * the last one when the key repeats. NULL when the record has no such header, the header has no value, or
 * the source has no headers. Header names are case-sensitive, as Kafka's. Reads `EvalContext.meta`, which
 * the engine sets per row.
 */
export const header = defineFunction({
  name: 'HEADER',
  signature: SIGNATURE,
  bind(argTypes, literals) {
    checkArity('HEADER', SIGNATURE, argTypes, 1)
    if (!isStringArg(argTypes[0]!)) throw argTypeError('HEADER', 0, argTypes[0]!, 'a header name (STRING)', SIGNATURE)
    const constant = literals[0]
    const nameOf = typeof constant === 'string' ? () => constant : (v: unknown) => v as string

    return bound(
      T.string,
      (args, ctx) => {
        const h = lastHeader(ctx.meta?.headers, nameOf(args[0]))

        return h === undefined || h.value === null ? null : decoder.decode(h.value)
      },
      { nullable: true, readsMeta: true },
    )
  },
})

const HAS_SIGNATURE = 'HAS_HEADER(name STRING) → BOOLEAN'

/** Whether the current record carries a header `name` (with or without a value). */
export const hasHeader = defineFunction({
  name: 'HAS_HEADER',
  signature: HAS_SIGNATURE,
  bind(argTypes) {
    checkArity('HAS_HEADER', HAS_SIGNATURE, argTypes, 1)
    if (!isStringArg(argTypes[0]!))
      throw argTypeError('HAS_HEADER', 0, argTypes[0]!, 'a header name (STRING)', HAS_SIGNATURE)

    return bound(T.boolean, (args, ctx) => lastHeader(ctx.meta?.headers, args[0] as string) !== undefined, {
      readsMeta: true,
    })
  },
})

const KEYS_SIGNATURE = 'HEADER_KEYS() → STRING (comma-separated)'

/**
 * The current record's header names, each once in order of first appearance, joined by commas (as the
 * FerrisStreams original); '' when the record has none.
 */
export const headerKeys = defineFunction({
  name: 'HEADER_KEYS',
  signature: KEYS_SIGNATURE,
  bind(argTypes) {
    checkArity('HEADER_KEYS', KEYS_SIGNATURE, argTypes, 0)

    return bound(
      T.string,
      (_args, ctx) => {
        const headers = ctx.meta?.headers
        if (headers === undefined || headers.length === 0) return ''
        if (headers.length === 1) return headers[0]!.key

        return [...new Set(headers.map((h) => h.key))].join(',')
      },
      { readsMeta: true },
    )
  },
})
