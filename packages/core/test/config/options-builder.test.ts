import { describe, expect, it } from 'vitest'
import { defineOptions } from '../../src/config/option-schema.js'
import { connectorOptions } from '../../src/config/options-builder.js'
import { validateOptions } from '../../src/config/validate-options.js'

const schema = defineOptions({
  path: { type: 'string', doc: 'The file.', required: true },
  batch_size: { type: 'integer', doc: 'Rows per batch.', default: 1000, min: 1 },
  header: { type: 'boolean', doc: 'Header line.', default: true },
  format: { type: 'enum', values: ['csv', 'jsonl'], doc: 'Format.', default: 'csv' },
  poll_interval: { type: 'duration', doc: 'Poll.', default: 1000 },
  buffer: { type: 'size', doc: 'Buffer.' },
  topics: { type: 'list', doc: 'Topics.' },
  headers: { type: 'map', doc: 'Headers.' },
})

describe('core: connectorOptions builder', () => {
  it('gives the same result as the string path', () => {
    const built = connectorOptions(schema)
      .set('path', './in.csv')
      .set('batch_size', 500)
      .set('header', false)
      .set('format', 'jsonl')
      .set('poll_interval', 30_000)
      .set('buffer', '64mb')
      .set('topics', ['a', 'b'])
      .set('headers', { 'x-source': 'web' })
      .build('orders')
    const fromText = validateOptions(
      schema,
      {
        path: './in.csv',
        batch_size: '500',
        header: 'false',
        format: 'JSONL',
        poll_interval: '30s',
        buffer: '64mb',
        topics: 'a,b',
        'headers.x-source': 'web',
      },
      { subject: 'orders' },
    )
    expect(built).toEqual(fromText)
    expect(built.batch_size).toBe(500)
  })

  it('applies defaults like the string path', () => {
    expect(connectorOptions(schema).set('path', 'x').build('orders')).toEqual(
      validateOptions(schema, { path: 'x' }, { subject: 'orders' }),
    )
  })

  it('fails with the same message as the string path', () => {
    const builder = connectorOptions(schema).set('path', 'x').set('batch_size', 0)
    expect(() => builder.build({ subject: 'orders' })).toThrow(
      'orders.batch_size: expected an integer of at least 1, got "0". Fix the value in the WITH clause or the connection string.',
    )
  })

  it('rejects a list item holding a comma, which the text form could not carry', () => {
    expect(() => connectorOptions(schema).set('topics', ['a,b'])).toThrow(/list items cannot contain a comma/)
  })

  it('shows the text form it validates', () => {
    expect(connectorOptions(schema).set('path', 'x').merge({ groupId: 'g' }).toRaw()).toEqual({
      path: 'x',
      groupId: 'g',
    })
  })
})
