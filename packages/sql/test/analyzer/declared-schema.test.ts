import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { plugin as filePlugin } from '@ferris/connector-file'
import { ConnectorRegistry, Decimal, T } from '@ferris/core'
import { memoryPlugin } from '@ferris/core/testing'
import { describe, expect, it } from 'vitest'
import { runApplication } from '../../src/job/run-application.js'
import { parse } from '../../src/parser/parser.js'
import { plan } from '../../src/planner/planner.js'
import { ORDERS, orderRows, setup } from '../support/fixtures.js'

const tmp = () => mkdtempSync(join(tmpdir(), 'ferris-schema-'))

describe('declared source schemas', () => {
  it("reads '<source>.schema' as a column list and never asks the source", async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(3), ORDERS)
    let asked = 0
    const planned = await plan(
      `SELECT id, amount FROM orders WITH ('orders.uri' = 'memory://orders',
        'orders.schema' = 'id BIGINT NOT NULL, customer STRING, amount DECIMAL(12,2), qty INT, price DOUBLE, country VARCHAR(2)')`,
      {
        registry,
        discoverSchema: async () => {
          asked++
          return undefined
        },
      },
    )
    expect(asked).toBe(0)
    const scan = planned.jobs[0]!.root
    const input = scan.kind === 'project' ? scan.input : scan
    expect(input.schema.fields.map((f) => [f.name, f.type, f.nullable])).toEqual([
      ['id', T.int64, false],
      ['customer', T.string, true],
      ['amount', T.decimal(12, 2), true],
      ['qty', T.int32, true],
      ['price', T.float64, true],
      ['country', T.string, true],
    ])
    // the key never reaches the connector
    expect(planned.jobs[0]!.sources[0]!.properties).toEqual({ uri: 'memory://orders' })
  })

  it('runs a job whose source schema is declared', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(4), ORDERS)
    const result = await runApplication(
      `SELECT id, amount FROM orders WHERE qty >= 2 WITH ('orders.uri' = 'memory://orders',
        'orders.schema' = 'id BIGINT, customer STRING, amount DECIMAL(12,2), qty INT, price DOUBLE, country STRING')`,
      { registry, cwd: tmp() },
    )
    expect(result.jobs[0]!.rows).toEqual([
      [9007199254740995n, new Decimal(2005n, 2)],
      [9007199254740996n, new Decimal(3005n, 2)],
    ])
  })

  it('accepts CREATE STREAM name (columns) WITH (...) as a declaration without a query', async () => {
    const app = parse(`CREATE STREAM readings (station STRING, temp DECIMAL(3,1) NOT NULL)
      WITH ('readings.uri' = 'memory://r');
      SELECT station FROM readings`)
    expect(app.statements).toHaveLength(1)
    expect(app.declarations?.[0]?.columns.map((c) => [c.name.name, c.type.type, c.nullable])).toEqual([
      ['station', T.string, true],
      ['temp', T.decimal(3, 1), false],
    ])
  })

  it('reads a headerless CSV file through the file connector, converted to the declared types', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'r.csv'), 'Hamburg;12.0\nOslo;-3.4\nHamburg;8.1\n')
    const registry = new ConnectorRegistry().register(filePlugin).register(memoryPlugin())
    const result = await runApplication(
      `CREATE STREAM readings (station STRING, temp DECIMAL(3,1))
         WITH ('readings.type' = 'file_source', 'readings.path' = './r.csv', 'readings.format' = 'csv_no_header',
               'readings.delimiter' = ';');
       SELECT station, SUM(temp) AS total FROM readings GROUP BY station EMIT FINAL`,
      { registry, cwd: dir },
    )
    expect(result.jobs[0]!.rows!.map((r) => [r[0], String(r[1])])).toEqual([
      ['Hamburg', '20.1'],
      ['Oslo', '-3.4'],
    ])
    expect(readFileSync(join(dir, 'r.csv'), 'utf8')).toContain('Oslo')
  })

  it('keeps the schema key away from the sink connector of a stream another statement reads', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(1), ORDERS)
    const planned = await plan(
      `CREATE STREAM mid AS SELECT id FROM orders
         WITH ('orders.uri' = 'memory://orders', 'mid.uri' = 'memory://mid', 'mid.schema' = 'id BIGINT');
       SELECT id FROM mid`,
      { registry },
    )
    const sink = planned.jobs[0]!.sink
    expect(sink.kind === 'endpoint' ? sink.endpoint.properties : undefined).toEqual({ uri: 'memory://mid' })
    expect(planned.jobs[1]!.root.schema.fields.map((f) => f.type)).toEqual([T.int64])
  })

  it('points at the bad type inside the property value', async () => {
    const { store, registry } = setup()
    store.set('orders', orderRows(1), ORDERS)
    const sql = `SELECT id FROM orders
WITH ('orders.uri' = 'memory://orders',
      'orders.schema' = 'id BIGINT, amount DECIMEL(12,2)')`
    const error = await plan(sql, { registry }).catch((e) => e)
    expect(error.message).toMatch(/Unknown type DECIMEL\. Did you mean DECIMAL\? at line 3, column 44/)
    expect(error.context.excerpt).toContain("'orders.schema' = 'id BIGINT, amount DECIMEL(12,2)'")
  })

  it('rejects a column declared twice and a schema given in both forms', async () => {
    const { registry } = setup()
    await expect(
      plan(`SELECT id FROM orders WITH ('orders.uri' = 'memory://o', 'orders.schema' = 'id BIGINT, ID INT')`, {
        registry,
      }),
    ).rejects.toThrow(/Column "ID" is declared twice at line 1, column 88/)
    await expect(
      plan(
        `CREATE STREAM orders (id BIGINT) WITH ('orders.uri' = 'memory://o', 'orders.schema' = 'id BIGINT');
         SELECT id FROM orders`,
        { registry },
      ),
    ).rejects.toThrow(/declares its columns twice/)
    await expect(
      plan(`SELECT id FROM orders WITH ('orders.uri' = 'memory://o', 'orders.schema' = '')`, { registry }),
    ).rejects.toThrow(/'orders.schema' is empty/)
  })
})
