import { ConnectorRegistry, validatePlugin } from '@ferris/core'
import { createTestContext } from '@ferris/core/testing'
import { describe, expect, it } from 'vitest'
import pkg from '../package.json' with { type: 'json' }
import defaultPlugin, { plugin } from '../src/plugin.js'
import { ClickhouseSink } from '../src/sink/clickhouse-sink.js'
import { ClickhouseSource } from '../src/source/clickhouse-source.js'

describe('[clickhouse] plugin', () => {
  it('is a valid plugin named in package.json, exported as default and as plugin', () => {
    expect(defaultPlugin).toBe(plugin)
    validatePlugin(plugin)
    expect(pkg.ferris.plugin).toBe('./dist/plugin.js')
    expect(plugin.name).toBe(pkg.name)
  })

  it('creates sinks and sources from a connection string or from type properties', () => {
    const registry = new ConnectorRegistry().register(plugin)
    const { context } = createTestContext()
    const sink = registry.createSink(
      { name: 'out', role: 'sink', properties: { uri: 'clickhouse://u:pw@127.0.0.1:18123/ferris?table=t' } },
      context,
    )
    expect(sink).toBeInstanceOf(ClickhouseSink)
    const source = registry.createSource(
      {
        name: 'in',
        role: 'source',
        properties: { type: 'clickhouse_source', url: 'http://127.0.0.1:18123', query: 'SELECT 1 AS x' },
      },
      context,
    )
    expect(source).toBeInstanceOf(ClickhouseSource)
  })

  it('says what is wrong with an endpoint without showing the password', () => {
    const registry = new ConnectorRegistry().register(plugin)
    const { context } = createTestContext({ name: 'out' })
    const attempt = (properties: Record<string, string>) => () =>
      registry.createSink({ name: 'out', role: 'sink', properties }, context)
    expect(attempt({ uri: 'clickhouse://u:hunter2@h:1/db' })).toThrow(/out.table: a ClickHouse sink needs a table/)
    expect(attempt({ uri: 'clickhouse://u:hunter2@h:1/db?table=t&batch_rows=0' })).toThrow(
      expect.objectContaining({ code: 'FERRIS_CONFIG_INVALID', message: expect.not.stringContaining('hunter2') }),
    )
    expect(attempt({ uri: 'clickhouse://h:1/db?table=t&query=SELECT 1' })).toThrow(
      /only a ClickHouse source reads a query/,
    )
    expect(() =>
      registry.createSource(
        { name: 'in', role: 'source', properties: { uri: 'clickhouse://h:1/db?table=t&query=SELECT 1' } },
        context,
      ),
    ).toThrow(/reads either a table or a query, got both/)
  })
})
