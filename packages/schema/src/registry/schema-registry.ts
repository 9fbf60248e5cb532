import { FerrisError, parseConnectionString, redactConnectionString, type Schema, toFerrisError } from '@ferris/core'
import { type CacheStats, TtlLruCache } from '../cache/ttl-lru-cache.js'
import type { SchemaProvider, SchemaRequest } from './schema-provider.js'

export interface SchemaRegistryOptions {
  /** Most schemas cached; default 256. */
  readonly maxEntries?: number
  /** How long a discovered schema is trusted, milliseconds; default 5 minutes. */
  readonly ttlMs?: number
  /** Milliseconds; injected so tests control time. */
  readonly now?: () => number
}

export interface DiscoverOptions {
  readonly options?: Readonly<Record<string, string>>
  /** Skip the cache and ask the providers again (the cache keeps the new answer). */
  readonly refresh?: boolean
  readonly signal?: AbortSignal
}

/**
 * Finds the schema of a source from its connection string, through the providers registered for its
 * scheme (tried in registration order until one answers), and caches answers with a time to live and
 * least-recently-used eviction. Concurrent requests for the same source share one discovery.
 */
export class SchemaRegistry {
  readonly #providers = new Map<string, SchemaProvider[]>()
  readonly #cache: TtlLruCache<string, Schema>
  readonly #inFlight = new Map<string, Promise<Schema>>()

  constructor(options: SchemaRegistryOptions = {}) {
    this.#cache = new TtlLruCache({
      maxEntries: options.maxEntries ?? 256,
      ttlMs: options.ttlMs ?? 300_000,
      ...(options.now === undefined ? {} : { now: options.now }),
    })
  }

  /** Adds a provider for its schemes, after those already registered. Registering the same name twice fails. */
  register(provider: SchemaProvider): this {
    if (
      typeof provider?.name !== 'string' ||
      !Array.isArray(provider.schemes) ||
      typeof provider.discover !== 'function'
    ) {
      throw new FerrisError(
        'FERRIS_PLUGIN_INVALID',
        'A schema provider needs a name, a list of schemes and discover()',
        {
          value: String(provider?.name ?? '(unnamed)'),
        },
      )
    }
    for (const list of this.#providers.values()) {
      if (list.some((p) => p.name === provider.name)) {
        throw new FerrisError('FERRIS_PLUGIN_INVALID', `Schema provider "${provider.name}" is registered already`, {
          subject: provider.name,
          hint: 'Give each provider a distinct name',
        })
      }
    }
    for (const scheme of provider.schemes) {
      const key = scheme.toLowerCase()
      this.#providers.set(key, [...(this.#providers.get(key) ?? []), provider])
    }

    return this
  }

  /** Provider names by scheme, in the order they are asked. */
  providers(): ReadonlyMap<string, readonly string[]> {
    return new Map([...this.#providers].map(([s, list]) => [s, list.map((p) => p.name)]))
  }

  /**
   * The schema of `uri`. Fails with FERRIS_UNKNOWN_SCHEME when no provider serves the scheme and with
   * FERRIS_NOT_FOUND when none of them could tell; messages show the URI with its password redacted.
   */
  async discover(uri: string, options: DiscoverOptions = {}): Promise<Schema> {
    const raw = options.options ?? {}
    const key = cacheKey(uri, raw)
    if (options.refresh !== true) {
      const cached = this.#cache.get(key)
      if (cached !== undefined) return cached
      const pending = this.#inFlight.get(key)
      if (pending !== undefined) return pending
    }
    const connection = parseConnectionString(uri, 'schema source')
    const request: SchemaRequest = {
      uri,
      connection,
      options: raw,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    }
    const work = this.#ask(request).finally(() => this.#inFlight.delete(key))
    this.#inFlight.set(key, work)
    const schema = await work
    this.#cache.set(key, schema)

    return schema
  }

  /** The cached schema, if any and still fresh; never asks a provider and counts no statistics. */
  peek(uri: string, options: Readonly<Record<string, string>> = {}): Schema | undefined {
    const key = cacheKey(uri, options)

    return this.#cache.has(key) ? this.#cache.get(key) : undefined
  }

  /** Forgets the cached schemas of `uri` (every option set), or all when no URI is given. Returns how many. */
  invalidate(uri?: string): number {
    if (uri === undefined) {
      const n = this.#cache.size
      this.#cache.clear()
      return n
    }

    return this.#cache.deleteWhere((key) => key.startsWith(`${uri}\u0000`))
  }

  stats(): CacheStats {
    return this.#cache.stats()
  }

  async #ask(request: SchemaRequest): Promise<Schema> {
    const scheme = request.connection.scheme
    const shown = redactConnectionString(request.uri)
    const providers = this.#providers.get(scheme) ?? []
    if (providers.length === 0) {
      const known = [...this.#providers.keys()].sort()
      throw new FerrisError('FERRIS_UNKNOWN_SCHEME', `No schema provider serves "${scheme}" (for ${shown})`, {
        value: scheme,
        expected: known.length > 0 ? `one of ${known.join(', ')}` : 'a registered schema provider',
        hint: 'Install the connector for this scheme, or declare the columns in the query',
      })
    }
    for (const provider of providers) {
      let schema: Schema | undefined
      try {
        schema = await provider.discover(request)
      } catch (error) {
        throw toFerrisError(
          error,
          'FERRIS_INTERNAL',
          `Schema provider ${provider.name} failed for ${shown}: ${String(error)}`,
        )
      }
      if (schema !== undefined) return schema
    }

    throw new FerrisError('FERRIS_NOT_FOUND', `Could not discover the schema of ${shown}`, {
      subject: shown,
      expected: `an answer from one of: ${providers.map((p) => p.name).join(', ')}`,
      hint: 'Declare the columns in the query, or give the format options the providers need',
    })
  }
}

function cacheKey(uri: string, options: Readonly<Record<string, string>>): string {
  const opts = Object.keys(options)
    .sort()
    .map((k) => `${k}=${options[k]}`)
    .join('\u0001')

  return `${uri}\u0000${opts}`
}
