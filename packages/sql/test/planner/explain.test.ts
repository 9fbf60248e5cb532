import { describe, expect, it } from 'vitest'
import { explain } from '../../src/planner/explain.js'
import { plan } from '../../src/planner/planner.js'
import { ORDERS, setup } from '../support/fixtures.js'

describe('planner and EXPLAIN', () => {
  it('prints scan → filter → project → limit → sink with connectors and schemas', async () => {
    const { registry } = setup()
    const p = await plan(
      `CREATE STREAM big AS SELECT id, amount * 2 AS doubled, country FROM orders WHERE amount > 1000 AND country <> 'PT' LIMIT 10 EMIT CHANGES
       WITH ('orders.uri' = 'memory://orders', 'big.type' = 'memory_sink', 'big.table' = 'big')`,
      { registry, schemas: { orders: ORDERS } },
    )
    expect(explain(p)).toBe(
      [
        'Job big (CREATE STREAM, EMIT CHANGES)',
        '  Sink big [memory] (id BIGINT NOT NULL, doubled DECIMAL(22, 2), country STRING)',
        '    Limit 10',
        '      Project id, amount * 2 AS doubled, country',
        "        Filter amount > 1000 AND country <> 'PT'",
        '          Scan orders [memory] (id BIGINT NOT NULL, customer STRING, amount DECIMAL(12, 2), qty INT, price DOUBLE, country STRING)',
      ].join('\n'),
    )
  })

  it('leaves out the projection of SELECT * and plans every statement', async () => {
    const p = await plan(
      `SELECT * FROM orders; INSERT INTO out SELECT id FROM orders WHERE qty > 1
       WITH ('orders.uri' = 'memory://orders', 'out.uri' = 'memory://out')`,
      { schemas: { orders: ORDERS } },
    )
    expect(p.jobs.map((j) => j.name)).toEqual(['select_1', 'out'])
    expect(explain(p)).toContain('Job select_1 (SELECT)\n  Output to caller (id BIGINT NOT NULL')
    expect(explain(p)).toContain('    Scan orders (id BIGINT NOT NULL')
    expect(p.jobs[0]!.root.kind).toBe('scan')
    expect(p.jobs[1]!.root.kind).toBe('project')
  })

  it('rejects two statements that would run under one job name', async () => {
    await expect(
      plan(
        `INSERT INTO out SELECT id FROM orders; INSERT INTO out SELECT qty FROM orders
         WITH ('orders.uri' = 'memory://orders', 'out.uri' = 'memory://out')`,
        { schemas: { orders: ORDERS } },
      ),
    ).rejects.toThrow(/Two statements would run as the job "out" at line 1, column 40/)
  })
})
