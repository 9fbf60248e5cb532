import { T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { bound, defaultFunctions, defineFunction, FunctionRegistry } from '../../src/functions/index.js'
import { bindError } from './harness.js'

describe('functions: registry', () => {
  const registry = defaultFunctions()

  it('looks names and aliases up in any case', () => {
    expect(registry.lookup('upper')?.name).toBe('UPPER')
    expect(registry.lookup('Substr')?.name).toBe('SUBSTRING')
    expect(registry.lookup('ceiling')?.name).toBe('CEIL')
    expect(registry.lookup('no_such_function')).toBeUndefined()
  })

  it('lists every callable name for did-you-mean', () => {
    const names = registry.names()
    expect(names).toContain('COALESCE')
    expect(names).toContain('CHAR_LENGTH')
    expect(names).toEqual([...names].sort())
  })

  it('suggests close names for a misspelling', () => {
    expect(registry.suggest('UPPR')).toContain('UPPER')
    expect(registry.suggest('coalese')[0]).toBe('COALESCE')
    expect(bindError(() => registry.resolve('SUBSTRNG'))).toMatch(
      /^FERRIS_SQL_SEMANTIC: Unknown function SUBSTRNG; did you mean SUBSTRING/,
    )
    expect(bindError(() => registry.resolve('zzzzzzzzzz'))).toBe('FERRIS_SQL_SEMANTIC: Unknown function ZZZZZZZZZZ')
  })

  it('registers a new function from one small object, refusing a taken name unless replacing', () => {
    const own = new FunctionRegistry()
    const double = defineFunction({
      name: 'TWICE',
      signature: 'TWICE(x INT) → INT',
      bind: () => bound(T.int32, (args) => (args[0] as number) * 2),
    })
    own.register(double)
    expect(own.lookup('twice')?.bind([T.int32], []).evaluate([21], { queryStartNanos: 0n, timeZone: 'UTC' })).toBe(42)
    expect(bindError(() => own.register(double))).toMatch(
      /^FERRIS_CONFIG_INVALID: A function named TWICE is already registered/,
    )
    expect(() => own.register(double, { replace: true })).not.toThrow()
  })

  it('gives every built-in a signature and a unique name', () => {
    const fns = registry.functions()
    expect(fns.length).toBeGreaterThan(30)
    for (const fn of fns) expect(fn.signature).toMatch(new RegExp(`^${fn.name}\\(`))
  })
})

describe('functions: documentation', () => {
  it('lists every built-in function and alias in src/functions/README.md', async () => {
    const { readFile } = await import('node:fs/promises')
    const readme = await readFile(new URL('../../src/functions/README.md', import.meta.url), 'utf8')
    const missing = defaultFunctions()
      .names()
      .filter((name) => !new RegExp(`\\b${name}\\b`).test(readme))
    expect(missing).toEqual([])
  })
})
