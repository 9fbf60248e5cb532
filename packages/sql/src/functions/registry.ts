import { FerrisError } from '@ferris/core'
import type { ScalarFunction } from './function-definition.js'

/**
 * The scalar functions a query can call, by upper-case name and alias. The planner looks a call up here;
 * an unknown name gets `suggest()`'s closest names for a "did you mean" hint. Embedding programs add
 * their own functions with `register`.
 */
export class FunctionRegistry {
  readonly #byName = new Map<string, ScalarFunction>()
  readonly #functions: ScalarFunction[] = []

  /**
   * Adds a function under its name and aliases. A name already taken is an error unless `replace` is set,
   * so that a plugin cannot silently shadow a built-in.
   */
  register(fn: ScalarFunction, options: { replace?: boolean } = {}): this {
    const names = [fn.name, ...(fn.aliases ?? [])].map((n) => n.toUpperCase())
    if (options.replace !== true) {
      for (const n of names) {
        const taken = this.#byName.get(n)
        if (taken !== undefined) {
          throw new FerrisError(
            'FERRIS_CONFIG_INVALID',
            `A function named ${n} is already registered (${taken.signature})`,
            {
              value: n,
              hint: 'choose another name, or register with { replace: true } to override it on purpose',
            },
          )
        }
      }
    }
    for (const n of names) this.#byName.set(n, fn)
    this.#functions.push(fn)

    return this
  }

  /** The function called `name` (any case, name or alias), or undefined. */
  lookup(name: string): ScalarFunction | undefined {
    return this.#byName.get(name.toUpperCase())
  }

  has(name: string): boolean {
    return this.#byName.has(name.toUpperCase())
  }

  /** Every callable name (names and aliases), sorted. */
  names(): string[] {
    return [...this.#byName.keys()].sort()
  }

  /** The registered functions, each once, in registration order. */
  functions(): readonly ScalarFunction[] {
    return this.#functions.filter((fn) => this.#byName.get(fn.name.toUpperCase()) === fn)
  }

  /** Up to `limit` registered names closest to `name` by edit distance, for "did you mean ...?". */
  suggest(name: string, limit = 3): string[] {
    const target = name.toUpperCase()
    const maxDistance = Math.max(2, Math.floor(target.length / 3))

    return this.names()
      .map((n) => [n, editDistance(target, n)] as const)
      .filter(([n, d]) => d <= maxDistance || n.startsWith(target) || target.startsWith(n))
      .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([n]) => n)
  }

  /**
   * Like `lookup`, but an unknown name is a FERRIS_SQL_SEMANTIC error with the closest names; the planner
   * adds the line and column.
   */
  resolve(name: string): ScalarFunction {
    const fn = this.lookup(name)
    if (fn !== undefined) return fn
    const close = this.suggest(name)

    throw new FerrisError(
      'FERRIS_SQL_SEMANTIC',
      `Unknown function ${name.toUpperCase()}${close.length > 0 ? `; did you mean ${close.join(', ')}?` : ''}`,
      {
        value: name,
        hint:
          close.length > 0 ? `did you mean ${close.join(' or ')}?` : 'see the function list in the @ferris/sql README',
      },
    )
  }
}

/** Levenshtein distance, for suggestions only. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = up
    }
  }

  return prev[b.length]!
}
