import { T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import type { OperatorLibrary } from '../../src/analyzer/operator-library.js'
import { functionLibrary } from '../../src/functions/index.js'
import { bindError } from './harness.js'

describe('functions: the library the analyzer binds with', () => {
  // Assigning to the analyzer's interface is the test: it fails to type-check if the shapes drift apart.
  const library: OperatorLibrary = functionLibrary({ bindContext: { timeZone: 'Europe/Paris' } })

  it('binds operators, functions, casts and typed literals', () => {
    const ctx = { queryStartNanos: 0n, timeZone: 'UTC' }
    expect(library.arithmetic('+', [T.int32, T.int64], []).type).toEqual(T.int64)
    expect(library.comparison('<', [T.string, T.string], []).evaluate(['a', 'b'], ctx)).toBe(true)
    expect(library.lookupFunction('upper')?.name).toBe('UPPER')
    expect(library.functionNames()).toContain('COALESCE')
    expect(library.cast(T.string, T.int32, undefined, true).evaluate(['x'], ctx)).toBe(null)
    expect(library.cast(T.string, T.int32, '7', false).evaluate(['7'], ctx)).toBe(7)
    expect(library.typedLiteral('2024-01-31', T.date)).toBe(19753)
    expect(library.commonType(T.int32, T.decimal(5, 2))).toEqual(T.decimal(12, 2))
    expect(library.bindContext?.timeZone).toBe('Europe/Paris')
    expect(bindError(() => library.typedLiteral('2024-02-30', T.date))).toMatch(
      /^FERRIS_SQL_SEMANTIC: DATE '2024-02-30' is not a valid literal/,
    )
  })
})
