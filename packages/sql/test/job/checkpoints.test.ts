import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { ORDERS, orderRows, setup } from '../support/fixtures.js'

const SQL = `CREATE STREAM out AS SELECT id, amount FROM orders WHERE qty % 2 = 0
  WITH ('orders.uri' = 'memory://orders', 'orders.batch_size' = '10', 'out.uri' = 'memory://out')`

describe('runApplication: checkpoints and resume', () => {
  it('commits sinks, then stores positions, then commits readers; a restart resumes without duplicates', async () => {
    const { store, registry } = setup()
    const orders = store.set('orders', orderRows(100), ORDERS)
    const cwd = mkdtempSync(join(tmpdir(), 'ferris-cp-'))
    orders.beforeRead = (pos) => {
      if (pos === 50) throw new Error('simulated crash')
    }
    await expect(runApplication(SQL, { registry, cwd, checkpointIntervalMs: 0 })).rejects.toThrow(/simulated crash/)
    const out = store.table('out')
    expect(out.rows).toHaveLength(25)
    const file = join(cwd, '.ferris', 'checkpoints', 'out', 'checkpoint.json')
    const cp = JSON.parse(readFileSync(file, 'utf8'))
    expect(cp).toMatchObject({ version: 1, job: 'out', positions: { orders: 50 }, finished: false })
    expect(orders.readCommits.at(-1)).toBe(50)
    // every sink commit names the positions it covers
    expect(out.commits.at(-1)).toMatchObject({ checkpointId: cp.checkpointId, positions: { orders: 50 } })

    delete orders.beforeRead
    const result = await runApplication(SQL, { registry, cwd, checkpointIntervalMs: 0 })
    expect(orders.readerStarts).toEqual([undefined, 50])
    expect(out.rows).toHaveLength(50)
    expect(new Set(out.rows.map((r) => r[0])).size).toBe(50)
    expect(result.jobs[0]).toMatchObject({
      state: 'completed',
      sources: { orders: { read: 50 } },
      sink: { written: 25 },
    })
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ positions: { orders: 100 }, finished: true })

    // A third run of a finished bounded job reads nothing new.
    await runApplication(SQL, { registry, cwd })
    expect(orders.readerStarts.at(-1)).toBe(100)
    expect(out.rows).toHaveLength(50)
  })

  it('resumes from the positions a storesPositions sink committed, even without a checkpoint file', async () => {
    const { store, registry } = setup()
    const orders = store.set('orders', orderRows(40), ORDERS)
    // The memory sink stores positions with its commits.
    const sql = SQL
    orders.beforeRead = (pos) => {
      if (pos === 20) throw new Error('simulated crash')
    }
    await expect(
      runApplication(sql, { registry, cwd: mkdtempSync(join(tmpdir(), 'ferris-cp-')), checkpointIntervalMs: 0 }),
    ).rejects.toThrow()
    delete orders.beforeRead
    // a fresh working directory: no checkpoint file, only what the sink stored
    await runApplication(sql, { registry, cwd: mkdtempSync(join(tmpdir(), 'ferris-cp-')), checkpointIntervalMs: 0 })
    expect(orders.readerStarts).toEqual([undefined, 20])
    expect(store.table('out').rows).toHaveLength(20)
  })

  it('writes the checkpoint where job.checkpoint.dir says, and none for a bare SELECT', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(5), ORDERS)
    const cwd = mkdtempSync(join(tmpdir(), 'ferris-cp-'))
    await runApplication(`${SQL.replace(')', ", 'job.checkpoint.dir' = 'state/cp')")}`, { registry, cwd })
    expect(existsSync(join(cwd, 'state', 'cp', 'checkpoint.json'))).toBe(true)
    await runApplication("SELECT * FROM orders WITH ('orders.uri' = 'memory://orders')", { registry, cwd })
    expect(existsSync(join(cwd, '.ferris', 'checkpoints', 'select_1'))).toBe(false)
  })

  it('checkpoints on the interval while reading, not only at the end', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(100), ORDERS)
    const cwd = mkdtempSync(join(tmpdir(), 'ferris-cp-'))
    const result = await runApplication(SQL, { registry, cwd, checkpointIntervalMs: 0 })
    expect(result.jobs[0]!.checkpoints).toBe(11)
    expect(store.table('out').commits.map((c) => c.checkpointId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
  })
})
