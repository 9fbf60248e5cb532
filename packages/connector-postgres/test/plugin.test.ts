import { ConnectorRegistry, connectorOptions, parseConnectionString } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { postgresOptions } from '../src/options.js'
import plugin, { postgresConnector } from '../src/plugin.js'

describe('postgres plugin', () => {
  it('is a plugin object with both schemes and property type names', () => {
    expect(plugin.name).toBe('@ferris/connector-postgres')
    expect(postgresConnector.scheme).toBe('postgresql')
    expect(postgresConnector.aliases).toEqual(['postgres'])
    expect(postgresConnector.typeNames).toEqual({ source: 'postgres_source', sink: 'postgres_sink' })
    expect(new ConnectorRegistry()).toBeDefined()
  })

  it('reads host, port, user, password, database and parameters from the connection string', () => {
    const raw = postgresConnector.fromConnectionString(
      parseConnectionString('postgres://ferris:s%3Acret@db.local:15432/shop?table=orders&cdc=true&key=id,region'),
    )
    const options = connectorOptions(postgresOptions).merge(raw).build('orders')
    expect(options).toMatchObject({
      host: 'db.local',
      port: 15432,
      user: 'ferris',
      password: 's:cret',
      database: 'shop',
      table: 'orders',
      cdc: true,
      key: ['id', 'region'],
    })
  })

  it('never shows the password in an option error', () => {
    expect(() => connectorOptions(postgresOptions).merge({ password: 'hunter2', port: 'x' }).build('out')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    )
  })
})
