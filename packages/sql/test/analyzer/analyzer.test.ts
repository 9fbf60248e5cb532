import { type FerrisError, isFerrisError, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { plan } from '../../src/planner/planner.js'
import { ORDERS, setup } from '../support/fixtures.js'

const WITH = "WITH ('orders.uri' = 'memory://orders')"

async function failure(sql: string, registry = setup().registry): Promise<FerrisError> {
  try {
    await plan(sql, { registry, schemas: { orders: ORDERS } })
  } catch (e) {
    if (isFerrisError(e)) return e
    throw e
  }
  throw new Error(`expected ${JSON.stringify(sql)} to fail`)
}

describe('analyzer: names and types', () => {
  it('types the select list and keeps source nullability', async () => {
    const p = await plan(
      `SELECT id, amount * 2 AS a, UPPER(country), CAST(qty AS BIGINT), price > 1 FROM orders ${WITH}`,
      {
        schemas: { orders: ORDERS },
      },
    )
    expect(p.jobs[0]!.root.schema.toString()).toBe(
      'id BIGINT NOT NULL, a DECIMAL(22, 2), upper STRING, qty BIGINT, col_5 BOOLEAN',
    )
  })

  it('resolves quoted and qualified names and metadata columns', async () => {
    const schema = Schema.of(['Order Id', T.int64], ['amount', T.float64])
    const p = await plan(`SELECT "Order Id", o.amount, _key, _timestamp, _partition, _offset FROM orders o ${WITH}`, {
      schemas: { orders: schema },
    })
    expect(p.jobs[0]!.root.schema.toString()).toBe(
      'Order Id BIGINT, amount DOUBLE, _key STRING, _timestamp TIMESTAMP(9), _partition INT, _offset BIGINT',
    )
  })

  it('makes duplicate output names unique', async () => {
    const p = await plan(`SELECT id, id, qty AS id FROM orders ${WITH}`, { schemas: { orders: ORDERS } })
    expect(p.jobs[0]!.root.schema.names).toEqual(['id', 'id_2', 'id_3'])
  })

  it.each([
    [
      `SELECT amout FROM orders ${WITH}`,
      /Unknown column "amout". Did you mean "amount"\? at line 1, column 8/,
      /Available columns: id, customer, amount, qty, price, country/,
    ],
    [
      `SELECT id FROM orders WHERE contry = 'PT' ${WITH}`,
      /Unknown column "contry". Did you mean "country"\?/,
      /id, customer/,
    ],
    [`SELECT x.id FROM orders o ${WITH}`, /Unknown source "x" in x.id/, /orders, o/],
    [
      `SELECT UPPR(country) FROM orders ${WITH}`,
      /Unknown function UPPR. Did you mean "UPPER"\? at line 1, column 8/,
      /Functions available: .*LOWER.*UPPER/,
    ],
    [
      `SELECT UPPER(country, 1) FROM orders ${WITH}`,
      /UPPER takes 1 argument, but 2 were given at line 1, column 8/,
      undefined,
    ],
    [
      `SELECT amount + country FROM orders ${WITH}`,
      /Operator \+ cannot be applied to DECIMAL\(12, 2\) and STRING at line 1, column 15/,
      undefined,
    ],
    [`SELECT id FROM orders WHERE qty ${WITH}`, /WHERE needs a BOOLEAN condition, but qty is INT/, /Compare it/],
    [
      `SELECT id FROM orders WHERE qty > 1 AND country ${WITH}`,
      /AND needs a BOOLEAN operand, but country is STRING/,
      undefined,
    ],
    [`SELECT id FROM orders WHERE country = 1.5 ${WITH}`, /Cannot compare STRING with DECIMAL/, /CAST/],
    [
      `SELECT CASE WHEN qty > 1 THEN 'a' ELSE 1 END FROM orders ${WITH}`,
      /CASE branches have different types/,
      /CAST the branches/,
    ],
    [
      `SELECT id, COUNT(*) FROM orders ${WITH}`,
      /Column id must appear in GROUP BY or be used in an aggregate function/,
      /MAX\(id\)/,
    ],
    [`SELECT id FROM orders WHERE COUNT(*) > 1 ${WITH}`, /The aggregate function COUNT is not allowed here/, /HAVING/],
    [`SELECT * FROM orders GROUP BY country ${WITH}`, /SELECT \* cannot be used in an aggregating query/, undefined],
    [
      `SELECT STRING_AGG(country, country) FROM orders ${WITH}`,
      /The separator of STRING_AGG must be a string literal/,
      undefined,
    ],
    [`SELECT LISTAGG(qty) FROM orders ${WITH}`, /LISTAGG needs a STRING, but its argument is INT/, undefined],
    [`SELECT SUM(country) FROM orders ${WITH}`, /SUM needs a number, but its argument is STRING/, undefined],
    [
      `SELECT country FROM orders GROUP BY country HAVING SUM(qty) ${WITH}`,
      /HAVING needs a BOOLEAN condition/,
      undefined,
    ],
    [
      `SELECT id FROM orders WHERE id IN (SELECT id FROM orders WHERE id IN (SELECT id FROM orders)) ${WITH}`,
      /A subquery inside a subquery is not supported yet/,
      undefined,
    ],
    [
      `SELECT DISTINCT country FROM orders ${WITH}`,
      /SELECT DISTINCT is not supported yet/,
      /Write GROUP BY over the selected columns/,
    ],
    [`SELECT id FROM orders ORDER BY id ${WITH}`, /ORDER BY is not supported yet/, /Remove ORDER BY/],
    [
      `SELECT o.id FROM (SELECT id FROM orders) o ${WITH}`,
      /A subquery in FROM is not supported yet/,
      /CREATE TABLE name AS SELECT/,
    ],
    [
      `SELECT country, COUNT(*) AS n, RANK() OVER (ORDER BY country) AS r FROM orders GROUP BY country ${WITH}`,
      /A window function \(OVER\) in a query with GROUP BY, WINDOW or aggregates is not supported yet/,
      /second application/,
    ],
    [
      `SELECT id FROM orders WHERE ROW_NUMBER() OVER (ORDER BY id) = 1 ${WITH}`,
      /window function ROW_NUMBER is not allowed here/,
      /select list only/,
    ],
  ])('%s', async (sql, message, hint) => {
    const e = await failure(sql)
    expect(e.code).toBe('FERRIS_SQL_SEMANTIC')
    expect(e.message).toMatch(message)
    expect(e.message).toMatch(/\n {2}1 \| /)
    expect(e.context.location).toMatchObject({ line: 1 })
    if (hint !== undefined) expect(String(e.context.hint)).toMatch(hint)
  })
})

describe('analyzer: sources, sinks and WITH keys', () => {
  it.each([
    [
      "SELECT id FROM orders WITH ('orders.uri' = 'memory://orders', 'ordrs.format' = 'csv')",
      /Property 'ordrs.format' belongs to no source or sink of the application. Did you mean 'orders.format'\? at line 1, column 63/,
    ],
    [
      "SELECT id FROM orders WITH ('orders.uri' = 'memory://orders', 'jbo.name' = 'x')",
      /Property 'jbo.name' belongs to no source or sink of the application. Did you mean 'job.name'\?/,
    ],
    [
      "SELECT id FROM orders WITH ('ordrs.uri' = 'memory://orders')",
      /Source "orders" is not configured, but the WITH clause configures "ordrs", which no statement names/,
    ],
    [
      "SELECT id FROM orders WITH ('orders.uri' = 'memory://orders', 'path' = 'x')",
      /Property 'path' names no source or sink/,
    ],
    ['SELECT id FROM orders', /Source "orders" is not configured at line 1, column 16/],
    [
      "CREATE STREAM out AS SELECT id FROM orders WITH ('orders.uri' = 'memory://orders')",
      /Sink "out" is not configured at line 1, column 15/,
    ],
    [
      `SELECT id FROM orders ${WITH.replace(')', ", 'job.bad_record' = 'skip')")}`,
      /Unknown job setting 'job.bad_record'. Did you mean "job.bad_records"\?/,
    ],
    [
      `SELECT id FROM orders ${WITH.replace(')', ", 'job.batch_size' = 'many')")}`,
      /'job.batch_size' = 'many' is not valid/,
    ],
    [
      `SELECT id FROM orders ${WITH.replace(')', ", 'job.checkpoint.interval' = 'soon')")}`,
      /'job.checkpoint.interval' = 'soon' is not valid/,
    ],
  ])('%s', async (sql, message) => {
    const e = await failure(sql)
    expect(e.code).toBe('FERRIS_CONFIG_INVALID')
    expect(e.message).toMatch(message)
  })

  it('suggests the configured name for a misspelled source in FROM', async () => {
    const e = await failure("SELECT id FROM ordrs\nWITH ('orders.uri' = 'memory://orders')")
    expect(e.message).toMatch(
      /Source "ordrs" is not configured, but the WITH clause configures "orders", which no statement names. Did you mean "orders"\? at line 1, column 16/,
    )
    expect(e.message).toContain('  1 | SELECT id FROM ordrs\n    |                ^^^^^')
  })

  it('checks connector options through the registry, pointing at the key', async () => {
    const e = await failure(
      "CREATE STREAM out AS SELECT id FROM orders\nWITH ('orders.uri' = 'memory://orders', 'orders.batch_sise' = '5', 'out.uri' = 'memory://out')",
    )
    expect(e.code).toBe('FERRIS_CONFIG_INVALID')
    expect(e.message).toMatch(/batch_sise/)
    expect(e.message).toMatch(/batch_size/)
    expect(e.context.location).toMatchObject({ line: 2, column: 41 })
  })

  it('reports an unknown scheme with the installed ones', async () => {
    const e = await failure("SELECT id FROM orders WITH ('orders.uri' = 'kafka://localhost:9092/orders')")
    expect(e.code).toBe('FERRIS_UNKNOWN_SCHEME')
    expect(e.message).toMatch(/No connector is installed for scheme "kafka"/)
    expect(e.context.location).toMatchObject({ line: 1, column: 29 })
    expect(String(e.context.hint)).toMatch(/@ferris\/connector-kafka/)
  })

  it('checks recovery settings and the dead-letter sink before anything opens', async () => {
    const e = await failure(`SELECT id FROM orders ${WITH.replace(')', ", 'job.bad_records' = 'dead_letter')")}`)
    expect(`${e.message} ${String(e.context.hint)}`).toMatch(/dlq.uri/)
    expect(e.context.location).toMatchObject({ line: 1, column: 63 })
    const e2 = await failure(`SELECT id FROM orders ${WITH.replace(')', ", 'job.bad_records' = 'ignore')")}`)
    expect(e2.message).toMatch(/ignore/)
    expect(e2.context.location).toMatchObject({ line: 1 })
  })

  it('reads a URI source given in FROM', async () => {
    const { registry } = setup()
    const p = await plan("SELECT id FROM 'memory://orders' AS o WHERE o.qty > 1", { registry, schemas: { o: ORDERS } })
    expect(p.jobs[0]!.sources[0]).toMatchObject({ name: 'o', properties: { uri: 'memory://orders' } })
  })

  it('applies --set overrides over WITH properties', async () => {
    const { registry } = setup()
    const p = await plan(`SELECT id FROM orders ${WITH}`, {
      registry,
      schemas: { orders: ORDERS },
      set: { 'orders.uri': 'memory://other', 'job.name': 'renamed' },
    })
    expect(p.jobs[0]!.sources[0]!.properties).toEqual({ uri: 'memory://other' })
    expect(p.jobs[0]!.name).toBe('renamed')
  })
})
