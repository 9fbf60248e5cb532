import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { plugin as filePlugin } from '@ferris/connector-file/plugin'
import { ConnectorRegistry } from '@ferris/core'
import { type SchemaRegistryDouble, startSchemaRegistryDouble } from '@ferris/formats/testing'
import { runApplication } from '@ferris/sql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { plugin as kafkaPlugin } from '../src/plugin.js'
import { BOOTSTRAP, createTopic, requireBroker, topicMessages, uniqueGroup } from './helpers/broker.js'

/*
 * Avro through a real broker. The schema registry is a stand-in on loopback (`@ferris/formats/testing`): no
 * Confluent-compatible registry can be installed on this machine (Confluent's is not on Maven Central,
 * Karapace is not on PyPI, Apicurio ships only as an unbuilt Quarkus module). The broker, the wire format and
 * the connector's wiring of the registry options are real.
 */
let registryDouble: SchemaRegistryDouble
beforeAll(async () => {
  await requireBroker()
  registryDouble = await startSchemaRegistryDouble()
})
afterAll(() => registryDouble?.close())

const registry = () => new ConnectorRegistry().register(filePlugin).register(kafkaPlugin)

describe('[kafka] Avro with the Confluent wire format and a schema registry', () => {
  it('writes registered, framed Avro and reads it back with every value exact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferris-kafka-avro-'))
    writeFileSync(
      join(dir, 'in.csv'),
      [
        'id,amount,at,name',
        '9223372036854775807,12345678901234567890.1234567890,2024-01-01T00:00:00.123456Z,max',
        '-9223372036854775808,-0.0000000001,1969-12-31T23:59:59.999999Z,min',
        '0,0,2024-02-29T12:00:00Z,',
      ].join('\n'),
    )
    const topic = await createTopic('avro')
    const registryUrl = registryDouble.url
    const toKafka = `
      CREATE STREAM mid AS SELECT * FROM src
      WITH ('src.uri' = 'file://${dir}/in.csv',
            'src.schema' = 'id BIGINT NOT NULL, amount DECIMAL(30, 10), at TIMESTAMP, name STRING',
            'mid.uri' = 'kafka://${BOOTSTRAP}/${topic}?format=avro&key_column=id',
            'mid.schema_registry_url' = '${registryUrl}');`
    const r1 = await runApplication(toKafka, { registry: registry(), cwd: dir })
    expect(r1.jobs[0]!.sink.written).toBe(3)

    // The Confluent framing: magic byte 0, then the id the registry gave the schema registered as <topic>-value.
    expect(registryDouble.subjects).toContain(`${topic}-value`)
    const id = registryDouble.schemas.length
    const raw = (await topicMessages(topic)).map((m) => m.value!)
    for (const v of raw) {
      expect(v[0]).toBe(0)
      expect(v.readInt32BE(1)).toBe(id)
    }

    // Read back with the schema the registry holds (no declared schema): the reader asks the registry.
    const toFile = `
      CREATE STREAM out AS SELECT id, amount, at, name FROM mid
      WITH ('mid.uri' = 'kafka://${BOOTSTRAP}/${topic}?format=avro&bounded=true&group_id=${uniqueGroup('avro')}',
            'mid.schema_registry_url' = '${registryUrl}',
            'out.uri' = 'file://${dir}/out.csv');`
    const r2 = await runApplication(toFile, { registry: registry(), cwd: dir })
    expect(r2.jobs[0]!.sink.written).toBe(3)
    const lines = readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n')
    expect(lines[0]).toBe('id,amount,at,name')
    expect(lines.slice(1).sort()).toEqual(
      [
        // TIMESTAMP (without a zone) is written in its SQL text form, microseconds kept through Avro.
        '-9223372036854775808,-0.0000000001,1969-12-31T23:59:59.999999,min',
        '0,0.0000000000,2024-02-29T12:00:00.000000,',
        '9223372036854775807,12345678901234567890.1234567890,2024-01-01T00:00:00.123456,max',
      ].sort(),
    )
  })
})
