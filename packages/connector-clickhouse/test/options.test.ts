import { parseConnectionString, validateOptions } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { clickhouseFromConnectionString, clickhouseOptions } from '../src/options.js'

const parse = (uri: string) =>
  validateOptions(clickhouseOptions, clickhouseFromConnectionString(parseConnectionString(uri)), { subject: 'out' })

describe('[clickhouse] options', () => {
  it('reads url, database, credentials and parameters from a connection string', () => {
    const o = parse('clickhouse://bob:s3cret@127.0.0.1:18123/ferris?table=events&create_table=true&order_by=id,ts')
    expect(o).toMatchObject({
      url: 'http://127.0.0.1:18123',
      database: 'ferris',
      username: 'bob',
      password: 's3cret',
      table: 'events',
      create_table: true,
      order_by: ['id', 'ts'],
      engine: 'MergeTree',
    })
    expect(parse('clickhouses://h/db?table=t').url).toBe('https://h:8443')
    expect(parse('clickhouse://h/db?table=t&secure=true').url).toBe('https://h:8443')
    expect(parse('clickhouse://[::1]:9/db?table=t').url).toBe('http://[::1]:9')
  })

  it('never shows the password in an error', () => {
    expect(() =>
      validateOptions(
        clickhouseOptions,
        { url: 'http://h:1', password: 'hunter2', retries: 'many' },
        { subject: 'out' },
      ),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }))
  })

  it('refuses an engine that tries to end the statement', () => {
    expect(() => parse('clickhouse://h/db?table=t&engine=MergeTree; DROP TABLE x')).toThrow(/engine/)
  })
})
