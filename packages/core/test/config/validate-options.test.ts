import { describe, expect, it } from 'vitest'
import { defineOptions } from '../../src/config/option-schema.js'
import { validateOptions } from '../../src/config/validate-options.js'
import { isFerrisError } from '../../src/errors/ferris-error.js'

const schema = defineOptions({
  path: { type: 'string', doc: 'The file to read.', required: true, example: './in.csv' },
  batch_size: { type: 'integer', doc: 'Rows per batch.', default: 1000, min: 1, max: 100000 },
  ratio: { type: 'number', doc: 'Sampling ratio.', min: 0, max: 1 },
  header: { type: 'boolean', doc: 'First line holds names.', default: true },
  format: { type: 'enum', values: ['csv', 'jsonl', 'parquet'], doc: 'File format.', default: 'csv' },
  poll_interval: { type: 'duration', doc: 'How often to look.', default: 1000 },
  buffer: { type: 'size', doc: 'Write buffer.', default: 1024 * 1024 },
  topics: { type: 'list', doc: 'Topics.', default: [] },
  headers: { type: 'map', doc: 'Extra headers.' },
  group_id: { type: 'string', doc: 'Consumer group.', aliases: ['groupId'] },
  region: { type: 'string', doc: 'Region.', env: 'FERRIS_TEST_REGION' },
  password: { type: 'string', doc: 'Password.', secret: true, env: 'FERRIS_TEST_PASSWORD' },
  code: { type: 'string', doc: 'Short code.', pattern: /^[A-Z]{3}$/ },
})

const ctx = { subject: 'orders', scheme: 'file', env: {} }

function messageOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    expect(isFerrisError(error)).toBe(true)
    expect((error as { code: string }).code).toBe('FERRIS_CONFIG_INVALID')

    return (error as Error).message
  }
  throw new Error('expected an error')
}

describe('core: validateOptions coerces each type', () => {
  it.each([
    ['batch_size', '500', 500],
    ['batch_size', ' +42 ', 42],
    ['ratio', '0.25', 0.25],
    ['ratio', '1e-1', 0.1],
    ['ratio', '.5', 0.5],
    ['header', 'true', true],
    ['header', 'FALSE', false],
    ['header', '1', true],
    ['header', '0', false],
    ['header', 'yes', true],
    ['header', 'No', false],
    ['header', 'on', true],
    ['header', 'off', false],
    ['header', '', true],
    ['format', 'JSONL', 'jsonl'],
    ['format', 'Parquet', 'parquet'],
    ['poll_interval', '500', 500],
    ['poll_interval', '500ms', 500],
    ['poll_interval', '30s', 30_000],
    ['poll_interval', '1.5s', 1500],
    ['poll_interval', '5m', 300_000],
    ['poll_interval', '1h', 3_600_000],
    ['poll_interval', '2d', 172_800_000],
    ['poll_interval', '10 S', 10_000],
    ['buffer', '1048576', 1_048_576],
    ['buffer', '512kb', 524_288],
    ['buffer', '64MB', 67_108_864],
    ['buffer', '1gb', 1_073_741_824],
    ['buffer', '1.5k', 1536],
    ['buffer', '2GiB', 2_147_483_648],
    ['topics', 'a, b,,c', ['a', 'b', 'c']],
    ['topics', '', []],
    ['headers', 'x-source=web, y=1', { 'x-source': 'web', y: '1' }],
    ['code', 'ABC', 'ABC'],
  ])('reads %s = %j as %j', (name, text, value) => {
    const out = validateOptions(schema, { path: 'x', [name]: text }, ctx)
    expect(out[name]).toEqual(value)
  })

  it('applies defaults and leaves optional options without a default absent', () => {
    expect(validateOptions(schema, { path: 'x' }, ctx)).toEqual({
      path: 'x',
      batch_size: 1000,
      header: true,
      format: 'csv',
      poll_interval: 1000,
      buffer: 1_048_576,
      topics: [],
    })
  })

  it('accepts aliases and option names in any case', () => {
    expect(validateOptions(schema, { PATH: 'x', groupId: 'g' }, ctx)).toMatchObject({ path: 'x', group_id: 'g' })
  })

  it('gathers map options from prefix.* keys', () => {
    const out = validateOptions(schema, { path: 'x', 'headers.x-source': 'web', 'headers.X-Trace': 'on' }, ctx)
    expect(out.headers).toEqual({ 'x-source': 'web', 'X-Trace': 'on' })
  })

  it('reads env fallbacks only when the option is not given', () => {
    const env = { FERRIS_TEST_REGION: 'eu-west-1', FERRIS_TEST_PASSWORD: 's3cret' }
    expect(validateOptions(schema, { path: 'x' }, { ...ctx, env })).toMatchObject({
      region: 'eu-west-1',
      password: 's3cret',
    })
    expect(validateOptions(schema, { path: 'x', region: 'us-east-1' }, { ...ctx, env }).region).toBe('us-east-1')
  })

  it('reads process.env when no environment is given', () => {
    process.env.FERRIS_TEST_REGION = 'ap-south-1'
    try {
      expect(validateOptions(schema, { path: 'x' }, { subject: 'orders' }).region).toBe('ap-south-1')
    } finally {
      delete process.env.FERRIS_TEST_REGION
    }
  })
})

describe('core: validateOptions messages', () => {
  it.each([
    [
      { batch_size: 'abc' },
      'orders.batch_size: expected an integer from 1 to 100000, got "abc". Fix the value in the WITH clause or the connection string.',
    ],
    [
      { batch_size: '0' },
      'orders.batch_size: expected an integer from 1 to 100000, got "0". Fix the value in the WITH clause or the connection string.',
    ],
    [
      { batch_size: '1.5' },
      'orders.batch_size: expected an integer from 1 to 100000, got "1.5". Fix the value in the WITH clause or the connection string.',
    ],
    [
      { ratio: '2' },
      'orders.ratio: expected a number from 0 to 1, got "2". Fix the value in the WITH clause or the connection string.',
    ],
    [
      { header: 'maybe' },
      'orders.header: expected true or false (also yes/no, on/off, 1/0), got "maybe". Fix the value in the WITH clause or the connection string.',
    ],
    [
      { format: 'jsnl' },
      'orders.format: expected one of csv, jsonl, parquet, got "jsnl". Did you mean jsonl? Fix the value in the WITH clause or the connection string.',
    ],
    [
      { format: 'xml' },
      'orders.format: expected one of csv, jsonl, parquet, got "xml". Fix the value in the WITH clause or the connection string.',
    ],
    [
      { poll_interval: '5 minutes' },
      'orders.poll_interval: expected a duration such as 500ms, 30s, 5m, 1h, 2d, or a whole number of milliseconds, got "5 minutes". Fix the value in the WITH clause or the connection string.',
    ],
    [
      { poll_interval: '0.5ms' },
      'orders.poll_interval: expected a duration such as 500ms, 30s, 5m, 1h, 2d, or a whole number of milliseconds, got "0.5ms". Fix the value in the WITH clause or the connection string.',
    ],
    [
      { buffer: '12 parsecs' },
      'orders.buffer: expected a size such as 512kb, 64mb, 1gb (powers of 1024), or a whole number of bytes, got "12 parsecs". Fix the value in the WITH clause or the connection string.',
    ],
    [
      { headers: 'novalue' },
      'orders.headers: expected key=value pairs separated by commas, or \'orders.headers.<key>\' entries, got "novalue". Fix the value in the WITH clause or the connection string.',
    ],
    [
      { code: 'abcd' },
      'orders.code: expected text matching /^[A-Z]{3}$/, got "abcd". Fix the value in the WITH clause or the connection string.',
    ],
    [
      { batchsize: '10' },
      'orders.batchsize: unknown option for the file connector. Did you mean batch_size? Known options: batch_size, buffer, code, format, group_id, header, headers, password, path, poll_interval, ratio, region, topics. Remove it or correct its spelling.',
    ],
    [
      { zzzzzzzz: '10' },
      'orders.zzzzzzzz: unknown option for the file connector. Known options: batch_size, buffer, code, format, group_id, header, headers, password, path, poll_interval, ratio, region, topics. Remove it or correct its spelling.',
    ],
    [
      { group_id: 'a', groupId: 'b' },
      'orders.group_id: given twice with different values, as "group_id" and "groupId". Keep one of them.',
    ],
  ])('rejects %j with a message naming option, value, what is accepted and what to do', (extra, message) => {
    expect(messageOf(() => validateOptions(schema, { path: 'x', ...extra }, ctx))).toBe(message)
  })

  it('says a required option is missing and how to give it', () => {
    expect(messageOf(() => validateOptions(schema, {}, ctx))).toBe(
      "orders.path: this option is required (The file to read). Add 'orders.path' = './in.csv' to the WITH clause, or put path in the connection string.",
    )
  })

  it('names the environment variable when a bad value came from it', () => {
    const env = { FERRIS_TEST_REGION: 'eu', FERRIS_TEST_PASSWORD: 'x' }
    const strict = defineOptions({ n: { type: 'integer', doc: 'N.', env: 'FERRIS_TEST_N' } })
    expect(messageOf(() => validateOptions(strict, {}, { ...ctx, env: { ...env, FERRIS_TEST_N: 'ten' } }))).toBe(
      'orders.n (from environment variable FERRIS_TEST_N): expected an integer, got "ten". Fix the environment variable FERRIS_TEST_N.',
    )
  })

  it('never echoes a secret value', () => {
    const secretInt = defineOptions({ pin: { type: 'integer', doc: 'PIN.', secret: true } })
    let caught: unknown
    try {
      validateOptions(secretInt, { pin: 'hunter2' }, ctx)
    } catch (error) {
      caught = error
    }
    const text = `${(caught as Error).message} ${JSON.stringify(caught)} ${(caught as { describe(): string }).describe()}`
    expect(text).toContain('orders.pin: expected an integer, got a secret value (not shown).')
    expect(text).not.toContain('hunter2')
  })

  it('keeps the words of a message about an option whose name looks secret', () => {
    const tokens = defineOptions({ api_token: { type: 'integer', doc: 'Token id.', secret: true, required: true } })
    expect(messageOf(() => validateOptions(tokens, { api_token: 'abc' }, ctx))).toBe(
      'orders.api_token: expected an integer, got a secret value (not shown). Fix the value in the WITH clause or the connection string.',
    )
    expect(messageOf(() => validateOptions(tokens, {}, ctx))).toBe(
      "orders.api_token: this option is required (Token id). Add 'orders.api_token' = '***' to the WITH clause, or put api_token in the connection string.",
    )
  })

  it('reports every problem at once', () => {
    const message = messageOf(() => validateOptions(schema, { batch_size: 'x', colour: 'red' }, ctx))
    expect(message).toMatch(/^orders: 3 options are invalid:\n/)
    expect(message).toContain('  - orders.colour: unknown option')
    expect(message).toContain('  - orders.batch_size: expected an integer')
    expect(message).toContain('  - orders.path: this option is required')
  })

  it('puts subject, value, expected and hint into the error context', () => {
    try {
      validateOptions(schema, { path: 'x', batch_size: 'abc' }, ctx)
    } catch (error) {
      expect((error as { context: unknown }).context).toEqual({
        subject: 'orders.batch_size',
        value: 'abc',
        expected: 'an integer from 1 to 100000',
        hint: 'Fix the value in the WITH clause or the connection string',
      })
    }
    expect.assertions(1)
  })
})
