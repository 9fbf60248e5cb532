import { ConnectorRegistry, validatePlugin } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import plugin, { plugin as named } from '../src/plugin.js'
import { registry } from './helpers.js'

describe('[s3] plugin', () => {
  it('is a valid plugin, default and named, for the s3 scheme and the s3_source/s3_sink types', () => {
    expect(named).toBe(plugin)
    validatePlugin(plugin)
    const r = new ConnectorRegistry().register(plugin)
    expect(r.schemes()).toContain('s3')
    expect(
      r.resolve({ name: 'a', role: 'source', properties: { type: 's3_source', bucket: 'my-bucket', path: 'x/' } })
        .definition.scheme,
    ).toBe('s3')
    expect(
      r.resolve({ name: 'a', role: 'sink', properties: { type: 's3_sink', path: 's3://my-bucket/x/', format: 'csv' } })
        .definition.scheme,
    ).toBe('s3')
  })

  it('takes bucket, key, endpoint, region, path style and credentials from a connection string', () => {
    const { options } = registry().resolve({
      name: 'in',
      role: 'source',
      properties: {
        uri: 's3://my-bucket/a%20b/c+d%25e/%C3%A9t%C3%A9/*.csv?endpoint=http://127.0.0.1:19000&region=eu-west-1&path_style=true&access_key_id=AK&secret_access_key=SK&session_token=ST',
      },
    })
    expect(options).toMatchObject({
      bucket: 'my-bucket',
      path: 'a b/c+d%e/été/*.csv',
      endpoint: 'http://127.0.0.1:19000',
      region: 'eu-west-1',
      path_style: true,
      access_key_id: 'AK',
      secret_access_key: 'SK',
      session_token: 'ST',
    })
  })

  it('marks the secret key and session token secret', () => {
    const opts = plugin.connectors[0]!.options
    expect(opts.secret_access_key!.secret).toBe(true)
    expect(opts.session_token!.secret).toBe(true)
  })

  it('keeps secrets out of option errors', () => {
    let message = ''
    try {
      registry().resolve({
        name: 'in',
        role: 'source',
        properties: { uri: 's3://my-bucket/x?secret_access_key=hunter22&bogus=1' },
      })
    } catch (e) {
      message = `${(e as Error).message} ${JSON.stringify(e)}`
    }
    expect(message).toContain('bogus')
    expect(message).not.toContain('hunter22')
  })

  it('takes the region from AWS_REGION when not given', () => {
    const before = process.env.AWS_REGION
    process.env.AWS_REGION = 'ap-south-1'
    try {
      const { options } = registry().resolve({ name: 'in', role: 'source', properties: { uri: 's3://my-bucket/x' } })
      expect(options.region).toBe('ap-south-1')
    } finally {
      if (before === undefined) delete process.env.AWS_REGION
      else process.env.AWS_REGION = before
    }
  })
})
