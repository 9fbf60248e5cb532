import { type DataSource, type FerrisError, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { dataSourceProvider, inferenceProvider, type SchemaRequest } from '../../src/registry/schema-provider.js'
import { SchemaRegistry } from '../../src/registry/schema-registry.js'

const orders = Schema.of(['id', T.int64, false], ['amount', T.decimal(10, 2)])

/** A provider double that answers from a table and records every request. */
function providerDouble(name: string, schemes: string[], answers: Record<string, Schema | undefined>) {
  const calls: SchemaRequest[] = []

  return {
    calls,
    provider: {
      name,
      schemes,
      discover: async (request: SchemaRequest) => {
        calls.push(request)
        return answers[request.connection.path]
      },
    },
  }
}

async function failure(p: Promise<unknown>): Promise<FerrisError> {
  return p.then(
    () => {
      throw new Error('expected a failure')
    },
    (e: unknown) => e as FerrisError,
  )
}

describe('[schema] SchemaRegistry', () => {
  it('asks the provider of the scheme, with the parsed connection string and options', async () => {
    const { provider, calls } = providerDouble('file-test', ['file'], { '/data/orders.csv': orders })
    const registry = new SchemaRegistry().register(provider)
    expect(await registry.discover('file:///data/orders.csv', { options: { format: 'csv' } })).toBe(orders)
    expect(calls[0]?.connection.scheme).toBe('file')
    expect(calls[0]?.options).toEqual({ format: 'csv' })
  })

  it('tries the providers of a scheme in order until one answers', async () => {
    const first = providerDouble('parquet-footer', ['file'], {})
    const second = providerDouble('csv-inference', ['file'], { '/x.csv': orders })
    const registry = new SchemaRegistry().register(first.provider).register(second.provider)
    expect(await registry.discover('file:///x.csv')).toBe(orders)
    expect(first.calls).toHaveLength(1)
    expect(registry.providers().get('file')).toEqual(['parquet-footer', 'csv-inference'])
  })

  it('caches answers per URI and options, with a time to live and hit statistics', async () => {
    let now = 0
    const { provider, calls } = providerDouble('p', ['file'], { '/a': orders })
    const registry = new SchemaRegistry({ ttlMs: 1_000, now: () => now }).register(provider)
    await registry.discover('file:///a')
    await registry.discover('file:///a')
    await registry.discover('file:///a', { options: { format: 'csv' } })
    expect(calls).toHaveLength(2)
    now = 1_000
    await registry.discover('file:///a')
    expect(calls).toHaveLength(3)
    await registry.discover('file:///a', { refresh: true })
    expect(calls).toHaveLength(4)
    expect(registry.stats()).toMatchObject({ hits: 1, misses: 3, expirations: 1 })
    expect(registry.peek('file:///a')).toBe(orders)
    expect(registry.invalidate('file:///a')).toBe(2)
    expect(registry.peek('file:///a')).toBeUndefined()
  })

  it('evicts the least recently used schema when full', async () => {
    const { provider, calls } = providerDouble('p', ['file'], { '/a': orders, '/b': orders, '/c': orders })
    const registry = new SchemaRegistry({ maxEntries: 2 }).register(provider)
    await registry.discover('file:///a')
    await registry.discover('file:///b')
    await registry.discover('file:///a')
    await registry.discover('file:///c')
    expect(registry.peek('file:///b')).toBeUndefined()
    expect(registry.peek('file:///a')).toBe(orders)
    expect(registry.stats().evictions).toBe(1)
    expect(calls).toHaveLength(3)
  })

  it('shares one discovery among concurrent requests', async () => {
    let release: () => void = () => {}
    let calls = 0
    const registry = new SchemaRegistry().register({
      name: 'slow',
      schemes: ['kafka'],
      discover: async () => {
        calls++
        await new Promise<void>((r) => {
          release = r
        })
        return orders
      },
    })
    const a = registry.discover('kafka://127.0.0.1:19092/orders')
    const b = registry.discover('kafka://127.0.0.1:19092/orders')
    await new Promise((r) => setImmediate(r))
    release()
    expect(await Promise.all([a, b])).toEqual([orders, orders])
    expect(calls).toBe(1)
  })

  it('names the schemes there are when none serves the URI, without printing the password', async () => {
    const registry = new SchemaRegistry().register(providerDouble('p', ['file'], {}).provider)
    const error = await failure(registry.discover('postgresql://ferris:s3cret@127.0.0.1:15432/shop?table=orders'))
    expect(error.code).toBe('FERRIS_UNKNOWN_SCHEME')
    expect(error.describe()).toContain('one of file')
    expect(error.describe()).not.toContain('s3cret')
  })

  it('fails with FERRIS_NOT_FOUND when no provider can tell, and does not cache the failure', async () => {
    const { provider, calls } = providerDouble('p', ['file'], {})
    const registry = new SchemaRegistry().register(provider)
    const error = await failure(registry.discover('file:///empty.csv'))
    expect(error.code).toBe('FERRIS_NOT_FOUND')
    expect(error.message).toBe('Could not discover the schema of file:///empty.csv')
    await failure(registry.discover('file:///empty.csv'))
    expect(calls).toHaveLength(2)
  })

  it('wraps a provider crash with the provider name', async () => {
    const registry = new SchemaRegistry().register({
      name: 'broken',
      schemes: ['file'],
      discover: async () => {
        throw new TypeError('boom')
      },
    })
    const error = await failure(registry.discover('file:///a'))
    expect(error.code).toBe('FERRIS_INTERNAL')
    expect(error.message).toContain('Schema provider broken failed')
  })

  it('refuses two providers with one name', () => {
    const registry = new SchemaRegistry().register(providerDouble('p', ['file'], {}).provider)
    expect(() => registry.register(providerDouble('p', ['s3'], {}).provider)).toThrow(/registered already/)
  })
})

describe('[schema] providers', () => {
  it('infers from a sample read for the request', async () => {
    const registry = new SchemaRegistry().register(
      inferenceProvider({
        name: 'lines',
        schemes: ['file'],
        readSample: (r) => [`${r.connection.path}`, 'a,b'],
        infer: (sample: string[]) => (sample.length > 1 ? Schema.of(['a', T.string], ['b', T.string]) : undefined),
      }),
    )
    expect((await registry.discover('file:///s.csv')).names).toEqual(['a', 'b'])
  })

  it('asks a data source that can discover its schema, and closes it', async () => {
    const events: string[] = []
    const source = (discovery: boolean): DataSource => ({
      capabilities: { bounded: true, seek: false, commit: false, schemaDiscovery: discovery, timestamps: false },
      open: async () => {
        events.push('open')
      },
      discoverSchema: async () => orders,
      createReader: async () => {
        throw new Error('not used')
      },
      close: async () => {
        events.push('close')
      },
    })
    const registry = new SchemaRegistry()
      .register(dataSourceProvider({ name: 'blind', schemes: ['pg'], createSource: () => source(false) }))
      .register(dataSourceProvider({ name: 'catalog', schemes: ['pg'], createSource: () => source(true) }))
    expect(await registry.discover('pg://127.0.0.1/db')).toBe(orders)
    expect(events).toEqual(['close', 'open', 'close'])
  })
})
