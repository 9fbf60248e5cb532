import { describe, expect, it } from 'vitest'
import { ConnectorRegistry } from '../../src/plugins/registry.js'
import { batchOf, ChangeKind } from '../../src/records/batch.js'
import { Schema } from '../../src/schema/schema.js'
import { createTestContext, MemoryStore, memoryPlugin, readAll, writeAll } from '../../src/testing/index.js'
import { T } from '../../src/types/data-type.js'
import { Decimal } from '../../src/types/decimal.js'
import type { Row } from '../../src/types/value.js'

const ORDERS = Schema.of(['id', T.int64, false], ['amount', T.decimal(10, 2)], ['country', T.string])
const rows = (n: number): Row[] =>
  Array.from({ length: n }, (_, i) => [
    BigInt(i) + 9007199254740993n,
    new Decimal(BigInt(i * 100 + 5), 2),
    ['PT', 'DE'][i % 2]!,
  ])

function setup() {
  const plugin = memoryPlugin()
  const registry = new ConnectorRegistry().register(plugin)

  return { store: plugin.store, registry }
}

describe('core/testing: memory source', () => {
  it('reads a named table in batches through the registry, exactly', async () => {
    const { store, registry } = setup()
    store.set('orders', rows(25), ORDERS)
    const { context } = createTestContext({ name: 'orders' })
    const source = registry.createSource(
      { name: 'orders', role: 'source', properties: { uri: 'memory://orders?batch_size=10' } },
      context,
    )
    expect(source.capabilities.bounded).toBe(true)
    const { rows: read, batches, position } = await readAll(source)
    expect(batches.map((b) => b.rows.length)).toEqual([10, 10, 5])
    expect(read).toEqual(rows(25))
    expect(read[0]![0]).toBe(9007199254740993n)
    expect(position).toBe(25)
  })

  it('hands over row kinds as a change stream with changelog set, and declares it in its capabilities', async () => {
    const { store, registry } = setup()
    const { UPDATE_BEFORE: B, UPDATE_AFTER: U, DELETE: D, INSERT: I } = ChangeKind
    store.set('orders', rows(4), ORDERS, undefined, [I, B, U, D])
    store.append('orders', rows(1))
    store.append('orders', rows(1), { kinds: [D], end: true })
    const { context } = createTestContext()
    const changes = registry.createSource(
      { name: 'o', role: 'source', properties: { uri: 'memory://orders?changelog=retract&batch_size=3' } },
      context,
    )
    expect(changes.capabilities.changelog).toBe('retract')
    const { batches } = await readAll(changes)
    expect(batches.flatMap((b) => [...b.kinds!])).toEqual([I, B, U, D, I, D])
    // With changelog=none the table is read as an append-only stream.
    const plain = registry.createSource(
      { name: 'o', role: 'source', properties: { uri: 'memory://orders?changelog=none' } },
      context,
    )
    expect(plain.capabilities.changelog).toBeUndefined()
    expect((await readAll(plain)).batches.every((b) => b.kinds === undefined)).toBe(true)
  })

  it('accepts the property style too', async () => {
    const { store, registry } = setup()
    store.set('t', rows(3), ORDERS)
    const { context } = createTestContext()
    const source = registry.createSource(
      { name: 't', role: 'source', properties: { type: 'memory_source', table: 't' } },
      context,
    )
    expect((await readAll(source)).rows).toHaveLength(3)
  })

  it('resumes after a position and records commits and reader starts', async () => {
    const { store, registry } = setup()
    store.set('orders', rows(5), ORDERS)
    const { context } = createTestContext()
    const source = registry.createSource({ name: 'o', role: 'source', properties: { uri: 'memory:orders' } }, context)
    await source.open()
    const reader = await source.createReader({ schema: ORDERS, batchSize: 2, from: 3 })
    const first = await reader.read()
    expect(first.kind === 'batch' && first.batch.rows).toEqual(rows(5).slice(3))
    await reader.commit(first.position)
    expect(await reader.read()).toEqual({ kind: 'end', position: 5 })
    expect(reader.hasMore()).toBe(false)
    expect(store.table('orders').readCommits).toEqual([5])
    expect(store.table('orders').readerStarts).toEqual([3])
    await expect(reader.seek('x')).rejects.toThrow('A memory source position is a row index, got "x"')
  })

  it('hands rows that do not fit the schema to the bad-record policy and goes on', async () => {
    const { store, registry } = setup()
    store.set('orders', [rows(1)[0]!, [5, null, 'PT'], [null, null, 'PT'], ['x'], rows(2)[1]!], ORDERS)
    const { context, badRecords } = createTestContext({ name: 'orders' })
    const source = registry.createSource(
      { name: 'orders', role: 'source', properties: { uri: 'memory://orders' } },
      context,
    )
    const { rows: read } = await readAll(source)
    expect(read).toHaveLength(2)
    expect(badRecords.map((b) => b.error.message)).toEqual([
      'Row 1 of memory table "orders" does not fit the schema: field "id" expects BIGINT, got a number',
      'Row 2 of memory table "orders" does not fit the schema: field "id" is NOT NULL but holds null',
      'Row 3 of memory table "orders" does not fit the schema: expected 3 fields, got 1',
    ])
    expect(badRecords[0]!.position).toEqual({ table: 'orders', row: 1 })
    expect(badRecords[0]!.values).toEqual({ id: 5, amount: null, country: 'PT' })
  })

  it('follows a table until it is ended', async () => {
    const { store, registry } = setup()
    store.append('live', [], {})
    const { context } = createTestContext()
    const source = registry.createSource(
      { name: 'live', role: 'source', properties: { uri: 'memory://live?follow=true&poll_interval=1ms' } },
      context,
    )
    expect(source.capabilities.bounded).toBe(false)
    await source.open()
    const reader = await source.createReader({ schema: ORDERS, batchSize: 100 })
    expect(await reader.read()).toEqual({ kind: 'idle', position: 0 })
    store.append('live', rows(2))
    expect((await reader.read()).kind).toBe('batch')
    store.end('live')
    expect(await reader.read()).toEqual({ kind: 'end', position: 2 })
  })

  it('fails to open a missing table with the tables there are', async () => {
    const { store, registry } = setup()
    store.set('a', [], ORDERS)
    const { context } = createTestContext()
    const source = registry.createSource({ name: 'x', role: 'source', properties: { uri: 'memory://nope' } }, context)
    await expect(source.open()).rejects.toThrow('Memory table "nope" does not exist')
  })

  it('shares a store given to the plugin, in both call styles', () => {
    const store = new MemoryStore()
    expect(memoryPlugin(store).store).toBe(store)
    expect(memoryPlugin({ store }).store).toBe(store)
  })
})

describe('core/testing: memory sink', () => {
  it('makes rows visible at commit only and stores the positions', async () => {
    const { store, registry } = setup()
    const { context } = createTestContext()
    const sink = registry.createSink({ name: 'out', role: 'sink', properties: { uri: 'memory://out' } }, context)
    await sink.open()
    const writer = await sink.createWriter({ schema: ORDERS, jobId: 'j' })
    await writer.write(batchOf(ORDERS, rows(3)))
    expect(store.rows('out')).toEqual([])
    expect(store.table('out').pending).toHaveLength(3)
    await writer.commit({ checkpointId: 1, positions: { orders: 3 } })
    expect(store.rows('out')).toEqual(rows(3))
    expect(await writer.committedPositions!()).toEqual({ orders: 3 })
    await writer.write(batchOf(ORDERS, rows(1)))
    await writer.rollback()
    await writer.close()
    expect(store.rows('out')).toHaveLength(3)
    expect(store.table('out').pending).toHaveLength(0)
    expect(store.objects('out')[0]).toEqual({ id: 9007199254740993n, amount: new Decimal(5n, 2), country: 'PT' })
  })

  it('applies updates and deletes by key in upsert mode', async () => {
    const { store, registry } = setup()
    const { context } = createTestContext()
    const sink = registry.createSink(
      { name: 'totals', role: 'sink', properties: { uri: 'memory://totals?mode=upsert' } },
      context,
    )
    expect(sink.capabilities.upsert).toBe(true)
    const schema = Schema.of(['country', T.string, false], ['n', T.int64])
    const batch = batchOf(
      schema,
      [
        ['PT', 1n],
        ['DE', 1n],
        ['PT', 1n],
        ['PT', 2n],
        ['DE', 1n],
      ],
      {
        kinds: new Uint8Array([
          ChangeKind.UPDATE_AFTER,
          ChangeKind.UPDATE_AFTER,
          ChangeKind.UPDATE_BEFORE,
          ChangeKind.UPDATE_AFTER,
          ChangeKind.DELETE,
        ]),
        keyFields: [0],
      },
    )
    await writeAll(sink, schema, [batch])
    expect(store.rows('totals')).toEqual([['PT', 2n]])
  })

  it('keeps change kinds in append mode', async () => {
    const { store, registry } = setup()
    const { context } = createTestContext()
    const sink = registry.createSink({ name: 'log', role: 'sink', properties: { uri: 'memory://log' } }, context)
    const schema = Schema.of(['k', T.string])
    await writeAll(sink, schema, [
      batchOf(schema, [['a'], ['a']], { kinds: new Uint8Array([ChangeKind.INSERT, ChangeKind.DELETE]) }),
    ])
    expect(store.table('log').kinds).toEqual([ChangeKind.INSERT, ChangeKind.DELETE])
  })

  it('rejects a schema that does not match an existing table', async () => {
    const { store, registry } = setup()
    store.set('out', [], ORDERS)
    const { context } = createTestContext({ name: 'out' })
    const sink = registry.createSink({ name: 'out', role: 'sink', properties: { uri: 'memory://out' } }, context)
    await expect(sink.validateSchema(Schema.of(['id', T.string]))).rejects.toThrow(
      'Column "id" (STRING) does not match memory table "out"',
    )
  })
})

describe('core/testing: package entry', () => {
  it('is exported from the @ferris/core/testing subpath', async () => {
    const testing = await import('@ferris/core/testing')
    expect(typeof testing.memoryPlugin).toBe('function')
    expect(testing.memoryPlugin().connectors[0]!.scheme).toBe('memory')
  })
})

describe('core/testing: memory source as a changelog', () => {
  it('hands on the change kinds appended with the rows, and is caught up once the rows of its start are read', async () => {
    const { store, registry } = setup()
    store.table('log').schema = ORDERS
    store.append('log', rows(2))
    const { context } = createTestContext({ name: 'log' })
    const source = registry.createSource(
      { name: 'log', role: 'source', properties: { uri: 'memory://log?follow=true&poll_interval=1' } },
      context,
    )
    const reader = await source.createReader({ schema: ORDERS, batchSize: 10 })
    expect(reader.caughtUp?.()).toBe(false)
    store.append('log', rows(1), { kinds: [ChangeKind.DELETE] })
    const first = await reader.read()
    expect(first.kind).toBe('batch')
    if (first.kind !== 'batch') return
    // Rows appended without kinds before the first kinds are inserts.
    expect([...first.batch.kinds!]).toEqual([ChangeKind.INSERT, ChangeKind.INSERT, ChangeKind.DELETE])
    expect(reader.caughtUp?.()).toBe(true)
    await reader.close()
  })
})
