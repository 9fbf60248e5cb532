import { ConnectorRegistry, FerrisError, parseConnectionString, validateOptions } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { kafkaFromConnectionString, kafkaOptions } from '../src/options.js'
import { plugin } from '../src/plugin.js'

describe('[kafka] options', () => {
  it('reads hosts, topics, credentials and parameters from a connection string', () => {
    const raw = kafkaFromConnectionString(
      parseConnectionString('kafka://alice:s3cr%40t@h1:19092,h2/orders,payments?group_id=g&format=json'),
    )
    expect(raw).toEqual({
      bootstrap_servers: 'h1:19092,h2:9092',
      topic: 'orders,payments',
      sasl_username: 'alice',
      sasl_password: 's3cr@t',
      group_id: 'g',
      format: 'json',
    })
    const options = validateOptions(kafkaOptions, raw, { subject: 'orders' })
    expect(options.topic).toEqual(['orders', 'payments'])
    expect(options.bootstrap_servers).toEqual(['h1:19092', 'h2:9092'])
    expect(options.start).toBe('earliest')
    expect(options.isolation_level).toBe('read_committed')
  })

  it('accepts the property style of WITH clauses, Kafka spellings included', () => {
    const registry = new ConnectorRegistry().register(plugin)
    const resolved = registry.resolve({
      name: 'orders',
      role: 'source',
      properties: {
        type: 'kafka_source',
        'bootstrap.servers': '127.0.0.1:19092',
        topic: 'orders',
        'group.id': 'g',
        'auto.offset.reset': 'latest',
      },
    })
    expect(resolved.options.group_id).toBe('g')
    expect(resolved.options.start).toBe('latest')
  })

  it('rejects bad values naming the option and the accepted ones, and never prints the password', () => {
    let error: unknown
    try {
      validateOptions(
        kafkaOptions,
        { bootstrap_servers: 'h:1', topic: 't', format: 'xml', sasl_password: 'hunter2', compression: 'brotli' },
        { subject: 'orders' },
      )
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(FerrisError)
    const text = (error as FerrisError).describe()
    expect(text).toMatch(/orders\.format/)
    expect(text).toMatch(/json, avro, string, bytes/)
    expect(text).toMatch(/compression/)
    expect(text).not.toMatch(/hunter2/)
  })

  it('checks sink options that only work together when the endpoint is resolved, so validate refuses them', () => {
    const registry = new ConnectorRegistry().register(plugin)
    const sink = (query: string) => () =>
      registry.resolve({ name: 'out', role: 'sink', properties: { uri: `kafka://127.0.0.1:19092/t${query}` } })
    expect(sink('?acks=1')).toThrow(/acks=1 needs idempotent=false/)
    expect(sink('?acks=1&idempotent=false')).not.toThrow()
    expect(sink('?acks=0&idempotent=false&exactly_once=true')).toThrow(/acks=0 needs idempotent=false/)
    expect(sink('?compression=snappy')).toThrow(/compression snappy needs a codec that is not installed/)
    expect(sink('?offsets_group_id=g')).toThrow(/needs exactly_once=true/)
    // A source with the same options is not a sink: nothing to check.
    expect(() =>
      registry.resolve({ name: 'in', role: 'source', properties: { uri: 'kafka://127.0.0.1:19092/t?acks=1' } }),
    ).not.toThrow()
  })

  it('says a one-slash connection string lost its hosts, instead of that bootstrap_servers is missing', () => {
    expect(() => kafkaFromConnectionString(parseConnectionString('kafka:/127.0.0.1:19092/orders'))).toThrow(
      expect.objectContaining({
        code: 'FERRIS_CONNECTION_STRING_INVALID',
        message: 'The Kafka connection string has no hosts: "127.0.0.1:19092" was read as part of the topic',
      }),
    )
    // Hosts given as a parameter are fine.
    expect(
      kafkaFromConnectionString(parseConnectionString('kafka:/a:1/t?bootstrap_servers=127.0.0.1:19092')).topic,
    ).toBe('a:1/t')
  })

  it('marks every credential option secret', () => {
    for (const name of ['sasl_password', 'ssl_key_password', 'schema_registry_password'] as const) {
      expect(kafkaOptions[name].secret).toBe(true)
    }
  })

  it('has the plugin shape the registry accepts, with the kafka scheme and type names', () => {
    const registry = new ConnectorRegistry().register(plugin)
    expect(registry.schemes()).toContain('kafka')
    expect(registry.definition('kafka').definition.typeNames).toEqual({ source: 'kafka_source', sink: 'kafka_sink' })
  })
})
