import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Decimal } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { ORDERS, orderRows, setup } from '../support/fixtures.js'

describe('runApplication', () => {
  it('filters and projects from a memory source into a memory sink', async () => {
    const { store, registry } = setup()
    store.table('orders', ORDERS, orderRows(100))
    const cwd = mkdtempSync(join(tmpdir(), 'ferris-sql-'))
    const result = await runApplication(
      `CREATE STREAM big AS SELECT id, amount, qty * 2 AS q2 FROM orders WHERE qty >= 90
       WITH ('orders.uri' = 'memory://orders', 'big.uri' = 'memory://big')`,
      { registry, cwd },
    )
    const big = store.table('big')
    expect(big.committed).toHaveLength(10)
    expect(big.committed[0]).toEqual([9007199254740993n + 90n, new Decimal(90005n, 2), 180])
    expect(result.jobs[0]!.sources.orders!.read).toBe(100)
  })
})
