import { describe, expect, it } from 'vitest'
import { defineOptions } from '../../src/config/option-schema.js'
import type { DataSink } from '../../src/contracts/sink.js'
import type { DataSource } from '../../src/contracts/source.js'
import { FerrisError } from '../../src/errors/ferris-error.js'
import { CORE_API_VERSION, type ConnectorPlugin, defineConnector } from '../../src/plugins/plugin.js'
import { ConnectorRegistry, validatePlugin } from '../../src/plugins/registry.js'
import { createTestContext } from '../../src/testing/test-context.js'

const fakeSource = { capabilities: { bounded: true } } as unknown as DataSource
const fakeSink = { capabilities: { transactions: false } } as unknown as DataSink

const options = defineOptions({
  path: { type: 'string', required: true, doc: 'Where.' },
  header: { type: 'boolean', default: true, doc: 'Header line.' },
})

function plugin(overrides: Partial<ConnectorPlugin> = {}, scheme = 'file'): ConnectorPlugin {
  return {
    name: `@test/connector-${scheme}`,
    version: '1.0.0',
    coreVersion: `^${CORE_API_VERSION}`,
    connectors: [
      defineConnector({
        scheme,
        aliases: [`${scheme}2`],
        typeNames: { source: `${scheme}_source`, sink: `${scheme}_sink` },
        description: 'test',
        options,
        fromConnectionString: (uri) => ({ path: uri.path }),
        createSource: (o) => ({ ...fakeSource, options: o }) as unknown as DataSource,
        createSink: (o) => ({ ...fakeSink, options: o }) as unknown as DataSink,
      }),
    ],
    ...overrides,
  }
}

const { context } = createTestContext()

describe('core: ConnectorRegistry', () => {
  it('creates sources and sinks by scheme, alias and type name, with validated options', () => {
    const registry = new ConnectorRegistry().register(plugin())
    expect(registry.schemes()).toEqual(['file', 'file2'])
    const source = registry.createSource(
      { name: 'in', role: 'source', properties: { uri: 'file:///data/in.csv', header: 'no' } },
      context,
    ) as unknown as { options: unknown }
    expect(source.options).toEqual({ path: '/data/in.csv', header: false })
    const viaAlias = registry.resolve({ name: 'in', role: 'sink', properties: { uri: 'FILE2:///x' } })
    expect(viaAlias.definition.scheme).toBe('file')
    const viaType = registry.resolve({ name: 'out', role: 'sink', properties: { type: 'FILE_SINK', path: '/o.csv' } })
    expect(viaType.options).toEqual({ path: '/o.csv', header: true })
    const viaScheme = registry.resolve({ name: 'out', role: 'sink', properties: { type: 'file', path: '/o.csv' } })
    expect(viaScheme.definition.scheme).toBe('file')
  })

  it("runs the connector's check of the validated options, with the endpoint's role and name", () => {
    const seen: unknown[] = []
    const checked = plugin({
      connectors: [
        defineConnector({
          ...plugin().connectors[0]!,
          check: (o, role, subject) => {
            seen.push([o, role, subject])
            if (role === 'sink' && !String(o.path).endsWith('.csv'))
              throw new FerrisError('FERRIS_CONFIG_INVALID', `${subject}: not a csv path`)
          },
        }),
      ],
    })
    const registry = new ConnectorRegistry().register(checked)
    registry.resolve({ name: 'in', role: 'source', properties: { uri: 'file:///in.txt' } })
    expect(seen).toEqual([[{ path: '/in.txt', header: true }, 'source', 'in']])
    expect(() => registry.resolve({ name: 'out', role: 'sink', properties: { uri: 'file:///o.txt' } })).toThrow(
      'out: not a csv path',
    )
    expect(() =>
      registry.createSink({ name: 'out', role: 'sink', properties: { uri: 'file:///o.txt' } }, context),
    ).toThrow('out: not a csv path')
  })

  it('lets WITH properties override what the URI says', () => {
    const registry = new ConnectorRegistry().register(plugin())
    const { options: o } = registry.resolve({
      name: 'in',
      role: 'source',
      properties: { uri: 'file:///a.csv', path: '/b.csv' },
    })
    expect(o.path).toBe('/b.csv')
  })

  it('rejects a type name used on the wrong side', () => {
    const registry = new ConnectorRegistry().register(plugin())
    expect(() =>
      registry.resolve({ name: 'totals', role: 'source', properties: { type: 'file_sink', path: 'x' } }),
    ).toThrow('"totals" is used as a source but its type "file_sink" is a sink')
  })

  it('rejects a connector that cannot play the role', () => {
    const sinkOnly = plugin({
      connectors: [
        defineConnector({
          scheme: 'out',
          description: '',
          options,
          fromConnectionString: () => ({}),
          createSink: () => fakeSink,
        }),
      ],
    })
    const registry = new ConnectorRegistry().register(sinkOnly)
    expect(() => registry.resolve({ name: 'x', role: 'source', properties: { uri: 'out://h' } })).toThrow(
      'Connector "out" (@test/connector-file) cannot be used as a source',
    )
  })

  it('names the unknown scheme, lists the schemes there are and the package to install', () => {
    const registry = new ConnectorRegistry().register(plugin())
    let error: { message: string; code: string; context: Record<string, unknown> } | undefined
    try {
      registry.resolve({ name: 'orders', role: 'source', properties: { uri: 'kafka://h:9092/orders' } })
    } catch (e) {
      error = e as typeof error
    }
    expect(error?.code).toBe('FERRIS_UNKNOWN_SCHEME')
    expect(error?.message).toBe(
      'No connector is installed for scheme "kafka". Installed schemes: file, file2. Install it with: npm install @ferris/connector-kafka.',
    )
    expect(error?.context).toMatchObject({
      expected: 'one of file, file2',
      hint: 'Install it with: npm install @ferris/connector-kafka',
    })
    expect(() => registry.definition('fiel')).toThrow(
      'No connector is installed for scheme "fiel". Installed schemes: file, file2. Did you mean file? Otherwise install a connector package for "fiel".',
    )
    expect(() => new ConnectorRegistry().definition('gopher')).toThrow(
      'No connector is installed for scheme "gopher". No connector is installed at all. Install a connector package for "gopher" (it declares "ferris.plugin" in its package.json).',
    )
    expect(() => registry.definition('gopher')).toThrow(
      expect.objectContaining({
        context: expect.objectContaining({
          hint: expect.stringContaining('declares "ferris.plugin" in its package.json'),
        }),
      }),
    )
  })

  it('lists the type names when a type is unknown', () => {
    const registry = new ConnectorRegistry().register(plugin())
    expect(() => registry.resolve({ name: 'x', role: 'source', properties: { type: 'fiel_source' } })).toThrow(
      expect.objectContaining({ context: expect.objectContaining({ expected: 'one of file_sink, file_source' }) }),
    )
  })

  it('asks for a uri or a type when neither is given', () => {
    const registry = new ConnectorRegistry().register(plugin())
    expect(() => registry.resolve({ name: 'orders', role: 'source', properties: { path: 'x' } })).toThrow(
      'Source "orders" names no connector',
    )
  })

  it('refuses a scheme or type name that another plugin holds, and stays unchanged', () => {
    const registry = new ConnectorRegistry().register(plugin())
    const rival = plugin({ name: '@rival/file' })
    expect(() => registry.register(rival)).toThrow(
      'Scheme "file" of @rival/file@1.0.0 is already registered by @test/connector-file@1.0.0',
    )
    const sneaky = plugin({ name: '@rival/x' }, 'other')
    const withTakenType = {
      ...sneaky,
      connectors: [{ ...sneaky.connectors[0]!, typeNames: { source: 'file_source' } }],
    }
    expect(() => registry.register(withTakenType)).toThrow(
      'Type name "file_source" of @rival/x@1.0.0 is already registered',
    )
    expect(registry.schemes()).toEqual(['file', 'file2'])
    expect(registry.plugins).toHaveLength(1)
  })

  it('treats registering the same plugin version again as a no-op, and another version as an error', () => {
    const registry = new ConnectorRegistry().register(plugin())
    registry.register(plugin())
    expect(registry.plugins).toHaveLength(1)
    expect(() => registry.register(plugin({ version: '2.0.0' }))).toThrow(
      'Plugin @test/connector-file@2.0.0 cannot be registered: version 1.0.0 is already registered',
    )
  })

  it.each([
    [
      '^9.0.0',
      `Plugin @test/connector-file@1.0.0 supports @ferris/core ^9.0.0, but this is core API ${CORE_API_VERSION}`,
    ],
    ['<0.0.1', 'supports @ferris/core <0.0.1'],
    ['banana', '"coreVersion" must be a semver range such as'],
  ])('refuses the core range %s', (coreVersion, message) => {
    expect(() => new ConnectorRegistry().register(plugin({ coreVersion }))).toThrow(message)
  })

  it.each([
    [null, 'A connector plugin must be an object, got null'],
    [{}, 'Connector plugin (unnamed) is malformed: "name" must be a non-empty string; "version" must be a string'],
    [
      { name: 'p', version: '1', coreVersion: '*', connectors: [{ scheme: 'Bad Scheme' }] },
      'Connector plugin p is malformed: connectors[0].scheme must be a lower-case URI scheme; connectors[0].fromConnectionString must be a function; connectors[0].options must be an option schema object; connectors[0] needs createSource or createSink',
    ],
    [{ name: 'p', version: '1', coreVersion: '*', connectors: {} }, '"connectors" must be an array'],
  ])('explains what is wrong with the malformed plugin %j', (value, message) => {
    expect(() => validatePlugin(value as ConnectorPlugin)).toThrow(message)
    expect(() => validatePlugin(value as ConnectorPlugin)).toThrow(
      expect.objectContaining({
        code: 'FERRIS_PLUGIN_INVALID',
        context: expect.objectContaining({ hint: expect.stringContaining('docs/connector-authoring.md') }),
      }),
    )
  })
})
