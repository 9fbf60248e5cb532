import { Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { plan } from '../../src/index.js'

const schemas = { s: Schema.of(['id', T.int64]) }

describe('analyzer: values checked before anything runs', () => {
  it('refuses a DOUBLE literal that overflows to Infinity, as CAST does', async () => {
    await expect(plan("SELECT 1e400 AS x FROM s WITH ('s.uri' = 'memory://s')", { schemas })).rejects.toMatchObject({
      code: 'FERRIS_SQL_SEMANTIC',
      message: expect.stringContaining('The number 1e400 is out of range for DOUBLE'),
    })
  })

  it('refuses a job time zone that does not exist', async () => {
    await expect(
      plan("SELECT id FROM s WITH ('s.uri' = 'memory://s', 'job.time_zone' = 'Mars/Olympus')", { schemas }),
    ).rejects.toMatchObject({
      code: 'FERRIS_CONFIG_INVALID',
      message: expect.stringContaining("'job.time_zone' = 'Mars/Olympus' is not valid"),
    })
  })

  it('accepts an IANA zone and an offset', async () => {
    await expect(
      plan("SELECT id FROM s WITH ('s.uri' = 'memory://s', 'job.time_zone' = 'Europe/Lisbon')", { schemas }),
    ).resolves.toBeDefined()
    await expect(
      plan("SELECT id FROM s WITH ('s.uri' = 'memory://s', 'job.time_zone' = '+05:30')", { schemas }),
    ).resolves.toBeDefined()
  })
})
