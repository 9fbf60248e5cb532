import { describe, expect, it } from 'vitest'
import { explain } from '../../src/planner/explain.js'
import { plan } from '../../src/planner/planner.js'
import { ORDERS } from '../support/fixtures.js'

const WITH = "WITH ('orders.uri' = 'memory://orders', 'totals.uri' = 'memory://totals')"

describe('planner: aggregation', () => {
  it('plans aggregate → having filter → project, keys first, and names aggregates after their function', async () => {
    const p = await plan(
      `CREATE STREAM totals AS SELECT country, COUNT(*), SUM(amount) AS total, AVG(qty) AS mean, MAX(price)
       FROM orders WHERE qty > 0 GROUP BY country HAVING COUNT(*) > 1 EMIT FINAL ${WITH}`,
      { schemas: { orders: ORDERS } },
    )
    expect(explain(p)).toBe(
      [
        'Job totals (CREATE STREAM, EMIT FINAL)',
        '  Sink totals (country STRING, count BIGINT, total DECIMAL(38, 2), mean DECIMAL(38, 6), max DOUBLE)',
        '    Project country, COUNT(*) AS count, SUM(amount) AS total, AVG(qty) AS mean, MAX(price) AS max',
        '      Filter COUNT(*) > 1',
        '        Aggregate by country: COUNT(*), SUM(amount), AVG(qty), MAX(price) (EMIT FINAL)',
        '          Filter qty > 0',
        '            Scan orders (id BIGINT NOT NULL, customer STRING, amount DECIMAL(12, 2), qty INT, price DOUBLE, country STRING)',
      ].join('\n'),
    )
  })

  it('defaults to EMIT CHANGES and matches GROUP BY expressions in the select list', async () => {
    const p = await plan(
      `CREATE STREAM totals AS SELECT UPPER(country) AS c, COUNT(DISTINCT qty) FROM orders GROUP BY UPPER( country ) ${WITH}`,
      {
        schemas: { orders: ORDERS },
      },
    )
    expect(explain(p)).toContain('Aggregate by UPPER( country ): COUNT(DISTINCT qty) (EMIT CHANGES)')
    expect(p.jobs[0]!.root.schema.names).toEqual(['c', 'count'])
  })
})
