import { type RecordMeta, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { defaultFunctions, type EvalContext } from '../../../src/functions/index.js'
import { bindError, CONTEXT, run } from '../harness.js'

const bytes = (s: string) => new TextEncoder().encode(s)
const meta: RecordMeta = {
  headers: [
    { key: 'trace-id', value: bytes('abc-123') },
    { key: 'retry', value: bytes('1') },
    { key: 'retry', value: bytes('2') },
    { key: 'flag', value: null },
    { key: 'emoji', value: bytes('😀') },
    { key: 'binary', value: new Uint8Array([0xff, 0x41]) },
  ],
}
const withMeta = (m: RecordMeta | undefined): EvalContext => ({ ...CONTEXT, meta: m })
const fns = defaultFunctions()

describe('functions: record metadata', () => {
  const header = fns.resolve('HEADER').bind([T.string], ['trace-id'])
  const headerOf = fns.resolve('HEADER').bind([T.string], [])

  it('reads a header as UTF-8 text, the last one when a key repeats', () => {
    expect(run(header, ['trace-id'], withMeta(meta))).toBe('abc-123')
    expect(run(headerOf, ['retry'], withMeta(meta))).toBe('2')
    expect(run(headerOf, ['emoji'], withMeta(meta))).toBe('😀')
    expect(run(headerOf, ['binary'], withMeta(meta))).toBe('\uFFFDA')
  })

  it('gives NULL for a missing header, a header without a value, or a record without metadata', () => {
    expect(run(headerOf, ['nope'], withMeta(meta))).toBe(null)
    expect(run(headerOf, ['flag'], withMeta(meta))).toBe(null)
    expect(run(headerOf, ['TRACE-ID'], withMeta(meta))).toBe(null) // names are case-sensitive
    expect(run(header, ['trace-id'], withMeta(undefined))).toBe(null)
    expect(run(header, ['trace-id'], withMeta({}))).toBe(null)
    expect(run(headerOf, [null], withMeta(meta))).toBe(null)
  })

  it('asks the engine for the record metadata', () => {
    expect(header.readsMeta).toBe(true)
    expect(fns.resolve('HEADER_KEYS').bind([], []).readsMeta).toBe(true)
  })

  it('tells whether a header exists, with or without a value', () => {
    const has = fns.resolve('HAS_HEADER').bind([T.string], [])
    expect(run(has, ['flag'], withMeta(meta))).toBe(true)
    expect(run(has, ['nope'], withMeta(meta))).toBe(false)
    expect(run(has, ['flag'], withMeta(undefined))).toBe(false)
  })

  it('lists header keys once each, in order', () => {
    const keys = fns.resolve('HEADER_KEYS').bind([], [])
    expect(run(keys, [], withMeta(meta))).toBe('trace-id,retry,flag,emoji,binary')
    expect(run(keys, [], withMeta({ headers: [{ key: 'only', value: null }] }))).toBe('only')
    expect(run(keys, [], withMeta(undefined))).toBe('')
  })

  it('checks arity and types', () => {
    expect(bindError(() => fns.resolve('HEADER').bind([], []))).toBe(
      'FERRIS_SQL_SEMANTIC: HEADER takes 1 argument, but 0 were given',
    )
    expect(bindError(() => fns.resolve('HEADER').bind([T.int32], []))).toMatch(
      /HEADER: argument 1 has type INT, but a header name/,
    )
    expect(bindError(() => fns.resolve('HEADER_KEYS').bind([T.string], []))).toMatch(
      /HEADER_KEYS takes 0 arguments, but 1 was given/,
    )
  })
})
