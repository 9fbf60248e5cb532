import { Decimal, Schema, T } from '@ferris/core'
import avro from 'avsc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { avroMessageDecoder, avroMessageEncoder } from '../../src/message/avro-message.js'
import { avroSchemaFor } from '../../src/message/avro-schema.js'
import { fromTwosComplement, toTwosComplement } from '../../src/message/avro-values.js'
import { SchemaRegistryClient } from '../../src/message/schema-registry-client.js'
import { type SchemaRegistryDouble, startSchemaRegistryDouble } from '../../src/testing/index.js'

const schema = Schema.of(
  ['id', T.int64, false],
  ['price', T.decimal(20, 4)],
  ['at', T.timestamp('us', 'UTC')],
  ['note', T.string],
  ['tags', T.map(T.string, T.int32)],
)

let registryDouble: SchemaRegistryDouble
let url: string
beforeAll(async () => {
  registryDouble = await startSchemaRegistryDouble()
  url = registryDouble.url
})
afterAll(() => registryDouble.close())

describe('[message] avro', () => {
  const row = [2n ** 63n - 1n, Decimal.parse('-12345678901234.5678'), 1704067200123456000n, 'n', new Map([['a', 1]])]

  it('round-trips exact longs, decimals and timestamps in plain Avro', async () => {
    const text = JSON.stringify(avroSchemaFor(schema))
    const enc = avroMessageEncoder(schema, 'orders', { schema: text })
    const dec = avroMessageDecoder(schema, 'orders', { schema: text })
    await enc.prepare()
    const bytes = enc.encode(row)!
    await dec.prepare([bytes])
    const back = dec.decode(bytes)
    expect(back[0]).toBe(2n ** 63n - 1n)
    expect((back[1] as Decimal).toString()).toBe('-12345678901234.5678')
    expect(back[2]).toBe(1704067200123456000n)
    expect(back[3]).toBe('n')
    expect(back[4]).toEqual(new Map([['a', 1]]))
  })

  it('writes the Confluent header with the registered id and reads writer schemas from the registry', async () => {
    const registry = new SchemaRegistryClient({ url, username: 'u', password: 'p' })
    const enc = avroMessageEncoder(schema, 'orders', { registry, registrySubject: 'orders-value' })
    await enc.prepare()
    const bytes = enc.encode(row)!
    expect(bytes[0]).toBe(0)
    const id = bytes.readUInt32BE(1)
    expect(id).toBeGreaterThan(0)
    expect(registryDouble.requests.at(-1)?.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`)

    // A reader with fewer columns, reading through a second client that must fetch the schema by id.
    const narrow = Schema.of(['id', T.int64], ['missing', T.string])
    const dec = avroMessageDecoder(narrow, 'orders', { registry: new SchemaRegistryClient({ url }) })
    await dec.prepare([bytes])
    expect(dec.decode(bytes)).toEqual([2n ** 63n - 1n, null])
  })

  it('reports a message without the magic byte, an unknown id and a truncated body as malformed', async () => {
    const registry = new SchemaRegistryClient({ url })
    const dec = avroMessageDecoder(schema, 'orders', { registry })
    expect(() => dec.decode(new Uint8Array([1, 2, 3]))).toThrow(/Confluent magic byte/)
    const unknown = new Uint8Array([0, 0, 0, 3, 231, 2])
    await expect(dec.prepare([unknown])).rejects.toMatchObject({ code: 'FERRIS_NOT_FOUND' })
    const enc = avroMessageEncoder(schema, 'orders', { registry })
    await enc.prepare()
    const good = enc.encode(row)!
    await dec.prepare([good])
    expect(() => dec.decode(good.subarray(0, 8))).toThrow(expect.objectContaining({ code: 'FERRIS_RECORD_MALFORMED' }))
  })

  it('reads messages written by plain avsc with its own logical types', async () => {
    const writer = {
      type: 'record',
      name: 'r',
      fields: [
        { name: 'id', type: 'int' },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'price', type: { type: 'fixed', name: 'p', size: 8, logicalType: 'decimal', precision: 18, scale: 2 } },
      ],
    }
    const buf = Buffer.alloc(8, 0xff)
    buf[7] = 0x9c // -100 → -1.00
    const body = avro.Type.forSchema(writer as avro.Schema).toBuffer({ id: 7, at: 1000, price: buf })
    const s = Schema.of(['id', T.int64], ['at', T.timestamp('ms', 'UTC')], ['price', T.decimal(18, 2)])
    const dec = avroMessageDecoder(s, 't', { schema: JSON.stringify(writer) })
    const back = dec.decode(body)
    expect(back[0]).toBe(7n)
    expect(back[1]).toBe(1_000_000_000n)
    expect((back[2] as Decimal).toString()).toBe('-1.00')
  })

  it("encodes two's complement the way Avro decimals need", () => {
    for (const n of [0n, 1n, -1n, 127n, 128n, -128n, -129n, 2n ** 100n, -(2n ** 100n)]) {
      expect(fromTwosComplement(toTwosComplement(n))).toBe(n)
    }
    expect([...toTwosComplement(128n)]).toEqual([0, 128])
    expect([...toTwosComplement(-128n)]).toEqual([128])
  })

  it('asks for avro_schema when neither a registry nor a schema is given', () => {
    expect(() => avroMessageDecoder(schema, 'orders', {})).toThrow(/needs avro_schema/)
  })
})

describe('[message] avro schemas to columns', () => {
  it('reads back the columns avroSchemaFor wrote, nullability and logical types included', async () => {
    const { schemaFromAvro } = await import('../../src/message/avro-schema.js')
    const s = Schema.of(
      ['id', T.int64, false],
      ['price', T.decimal(20, 4)],
      ['at', T.timestamp('us', 'UTC')],
      ['local', T.timestamp('ms')],
      ['day', T.date],
      ['tags', T.map(T.string, T.int32)],
      ['items', T.list(T.struct([{ name: 'sku', type: T.string, nullable: true }]))],
    )
    expect(schemaFromAvro(avroSchemaFor(s), 'x').toString()).toBe(s.toString())
  })
})
