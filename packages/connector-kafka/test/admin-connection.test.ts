import type { Admin } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { AdminConnection } from '../src/admin-connection.js'
import type { KafkaClient } from '../src/kafka-client.js'

/** A client whose admins only count connects and disconnects. */
function counting() {
  const counts = { created: 0, disconnected: 0 }
  const client = {
    admin: () => {
      counts.created++
      return { disconnect: async () => void counts.disconnected++ } as unknown as Admin
    },
  } as unknown as KafkaClient

  return { client, counts }
}

describe('[kafka] admin connection', () => {
  it('opens one admin client however often it is opened, and disconnects it on close', async () => {
    const { client, counts } = counting()
    const c = new AdminConnection(client)
    let setUps = 0
    await Promise.all([c.open(async () => void setUps++), c.open(async () => void setUps++)])
    await c.open(async () => void setUps++)
    expect({ ...counts, setUps, open: c.admin !== undefined }).toEqual({
      created: 1,
      disconnected: 0,
      setUps: 1,
      open: true,
    })
    await c.close()
    await c.close()
    expect({ ...counts, open: c.admin !== undefined }).toEqual({ created: 1, disconnected: 1, open: false })
  })

  it('disconnects the admin of a failed open and forgets it, so the next open tries again', async () => {
    const { client, counts } = counting()
    const c = new AdminConnection(client)
    await expect(
      c.open(async () => {
        throw new Error('broker down')
      }),
    ).rejects.toThrow('broker down')
    expect({ ...counts, open: c.admin !== undefined }).toEqual({ created: 1, disconnected: 1, open: false })
    await c.open(async () => {})
    expect({ ...counts, open: c.admin !== undefined }).toEqual({ created: 2, disconnected: 1, open: true })
  })
})
