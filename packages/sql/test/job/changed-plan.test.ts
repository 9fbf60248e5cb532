import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConnectorRegistry, Schema, T } from '@ferris/core'
import { MemoryStore, memoryPlugin } from '@ferris/core/testing'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/index.js'

const app = (where: string, dir: string) => `
CREATE STREAM out AS SELECT id, amount FROM orders WHERE ${where}
WITH ('orders.uri' = 'memory://orders', 'out.uri' = 'memory://out', 'job.checkpoint.dir' = '${dir}');`

describe('job: a checkpoint restored into a changed plan', () => {
  it('is refused with a hint to run --fresh, because positions and state only fit the plan that saved them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-plan-'))
    const store = new MemoryStore()
    store.set(
      'orders',
      [
        [1n, 10],
        [2n, 20],
      ],
      Schema.of(['id', T.int64], ['amount', T.int32]),
    )
    const registry = new ConnectorRegistry().register(memoryPlugin({ store }))
    await runApplication(app('amount > 5', dir), { registry })

    await expect(runApplication(app('amount > 5', dir), { registry })).resolves.toBeDefined()
    await expect(runApplication(app('amount > 15', dir), { registry })).rejects.toMatchObject({
      code: 'FERRIS_CONFIG_INVALID',
      message: expect.stringContaining('Job out changed since its checkpoint'),
      context: expect.objectContaining({ hint: expect.stringContaining('--fresh') }),
    })
    const fresh = await runApplication(app('amount > 15', dir), { registry, fresh: true })
    expect(fresh.jobs[0]!.sink.written).toBe(1)
  })
})
