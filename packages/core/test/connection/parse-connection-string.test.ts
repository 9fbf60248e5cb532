import { describe, expect, it } from 'vitest'
import type { ConnectionString } from '../../src/connection/connection-string.js'
import {
  formatConnectionString,
  getParam,
  getParams,
  paramsToOptions,
  parseConnectionString,
  redactConnectionString,
} from '../../src/connection/parse-connection-string.js'
import { isFerrisError } from '../../src/errors/ferris-error.js'

type Expected = Omit<ConnectionString, 'params'> & { params?: Array<[string, string]> }

const cases: Array<[string, Expected]> = [
  [
    'kafka://h1:9092,h2:9092/orders?group_id=g',
    {
      scheme: 'kafka',
      hosts: [
        { host: 'h1', port: 9092 },
        { host: 'h2', port: 9092 },
      ],
      path: '/orders',
      params: [['group_id', 'g']],
    },
  ],
  [
    's3://bucket/prefix/*.parquet?region=eu-west-1',
    { scheme: 's3', hosts: [{ host: 'bucket' }], path: '/prefix/*.parquet', params: [['region', 'eu-west-1']] },
  ],
  [
    'file:///data/in.csv?format=csv&header=true',
    {
      scheme: 'file',
      hosts: [],
      path: '/data/in.csv',
      params: [
        ['format', 'csv'],
        ['header', 'true'],
      ],
    },
  ],
  ['file:./rel/in.csv', { scheme: 'file', hosts: [], path: './rel/in.csv' }],
  ['file://./rel/x.csv', { scheme: 'file', hosts: [], path: './rel/x.csv' }],
  ['file:../up/x.csv', { scheme: 'file', hosts: [], path: '../up/x.csv' }],
  ['file:rel/x.csv', { scheme: 'file', hosts: [], path: 'rel/x.csv' }],
  ['file:/abs/x.csv', { scheme: 'file', hosts: [], path: '/abs/x.csv' }],
  ['file:///C:/data/x.csv', { scheme: 'file', hosts: [], path: 'C:/data/x.csv' }],
  ['file:C:\\data\\x.csv', { scheme: 'file', hosts: [], path: 'C:/data/x.csv' }],
  ['file://C:/data/x.csv', { scheme: 'file', hosts: [], path: 'C:/data/x.csv' }],
  ['file:.\\rel\\x.csv', { scheme: 'file', hosts: [], path: './rel/x.csv' }],
  ['file:///data/a%5Cb.csv', { scheme: 'file', hosts: [], path: '/data/a\\b.csv' }],
  ['file://nas/share/x.csv', { scheme: 'file', hosts: [{ host: 'nas' }], path: '/share/x.csv' }],
  [
    'postgresql://user:secret@db:5432/shop?table=orders&cdc=true',
    {
      scheme: 'postgresql',
      username: 'user',
      password: 'secret',
      hosts: [{ host: 'db', port: 5432 }],
      path: '/shop',
      params: [
        ['table', 'orders'],
        ['cdc', 'true'],
      ],
    },
  ],
  [
    'clickhouse://h:8123/db?table=t',
    { scheme: 'clickhouse', hosts: [{ host: 'h', port: 8123 }], path: '/db', params: [['table', 't']] },
  ],
  [
    'iceberg://catalog-host:8181/ns/table',
    { scheme: 'iceberg', hosts: [{ host: 'catalog-host', port: 8181 }], path: '/ns/table' },
  ],
  ['KAFKA://[::1]:9092/t', { scheme: 'kafka', hosts: [{ host: '::1', port: 9092 }], path: '/t' }],
  [
    'kafka://[::1]:9092,[2001:db8::7],h3/t',
    {
      scheme: 'kafka',
      hosts: [{ host: '::1', port: 9092 }, { host: '2001:db8::7' }, { host: 'h3' }],
      path: '/t',
    },
  ],
  ['kafka://[fe80::1%25eth0]:9092', { scheme: 'kafka', hosts: [{ host: 'fe80::1%eth0', port: 9092 }], path: '' }],
  [
    'postgresql://us%40er:p%40ss%3Aw%2Fd@db/sh%20op?ta%26ble=a%3Db&note=caf%C3%A9',
    {
      scheme: 'postgresql',
      username: 'us@er',
      password: 'p@ss:w/d',
      hosts: [{ host: 'db' }],
      path: '/sh op',
      params: [
        ['ta&ble', 'a=b'],
        ['note', 'café'],
      ],
    },
  ],
  // `+` is a literal plus in a URI query, not a space.
  [
    'kafka://h/t?q=a+b&s=a%20b',
    {
      scheme: 'kafka',
      hosts: [{ host: 'h' }],
      path: '/t',
      params: [
        ['q', 'a+b'],
        ['s', 'a b'],
      ],
    },
  ],
  [
    'kafka://h/t?a=&a=2&flag&&b=x=y',
    {
      scheme: 'kafka',
      hosts: [{ host: 'h' }],
      path: '/t',
      params: [
        ['a', ''],
        ['a', '2'],
        ['flag', ''],
        ['b', 'x=y'],
      ],
    },
  ],
  [
    'postgresql://user@%2Fvar%2Frun%2Fpg/shop',
    { scheme: 'postgresql', username: 'user', hosts: [{ host: '/var/run/pg' }], path: '/shop' },
  ],
  ['postgresql://u:@db/x', { scheme: 'postgresql', username: 'u', password: '', hosts: [{ host: 'db' }], path: '/x' }],
  ['kafka:///orders', { scheme: 'kafka', hosts: [], path: '/orders' }],
  ['file:///data/my file.csv', { scheme: 'file', hosts: [], path: '/data/my file.csv' }],
  ['s3://bucket/a#b.csv', { scheme: 's3', hosts: [{ host: 'bucket' }], path: '/a#b.csv' }],
  ['  memory://rows  ', { scheme: 'memory', hosts: [{ host: 'rows' }], path: '' }],
]

describe('core: parseConnectionString', () => {
  it.each(cases)('parses %s', (text, expected) => {
    const parsed = parseConnectionString(text)
    expect(parsed).toEqual({ params: [], ...expected })
  })

  it.each(cases)('round-trips %s through format and parse', (text) => {
    const parsed = parseConnectionString(text)
    const printed = formatConnectionString(parsed, { revealPassword: true })
    expect(parseConnectionString(printed)).toEqual(parsed)
  })

  it.each([
    ['kafka://h1:9092,h2:9092/orders?group_id=g', 'kafka://h1:9092,h2:9092/orders?group_id=g'],
    ['file:///C:/data/x.csv', 'file:///C:/data/x.csv'],
    ['file:C:\\data\\x.csv', 'file:///C:/data/x.csv'],
    ['file://./rel/x.csv', 'file:./rel/x.csv'],
    ['kafka://h/t?q=a+b', 'kafka://h/t?q=a%2Bb'],
    ['kafka://h/t?a=&a=2&flag', 'kafka://h/t?a&a=2&flag'],
    ['kafka://[::1]:9092/t', 'kafka://[::1]:9092/t'],
    ['s3://bucket/prefix/*.parquet?region=eu-west-1', 's3://bucket/prefix/*.parquet?region=eu-west-1'],
    ['postgresql://u:p@db/x?password=hunter2&sslmode=require', 'postgresql://u:***@db/x?password=***&sslmode=require'],
  ])('prints %s as %s', (text, printed) => {
    expect(formatConnectionString(parseConnectionString(text))).toBe(printed)
  })

  it('redacts the password when printed unless asked to reveal it', () => {
    const cs = parseConnectionString('postgresql://user:s%40cret@db:5432/shop?table=orders')
    expect(formatConnectionString(cs)).toBe('postgresql://user:***@db:5432/shop?table=orders')
    expect(formatConnectionString(cs, { revealPassword: true })).toBe(
      'postgresql://user:s%40cret@db:5432/shop?table=orders',
    )
    expect(String(cs)).not.toContain('cret')
    expect(JSON.stringify(cs)).not.toContain('cret')
    expect(JSON.stringify({ cs })).toBe('{"cs":"postgresql://user:***@db:5432/shop?table=orders"}')
  })

  it('reads parameters by name, repeated ones joined for list options', () => {
    const cs = parseConnectionString('kafka://h/t?topic=a&topic=b&group_id=g&flag')
    expect(getParam(cs, 'topic')).toBe('b')
    expect(getParam(cs, 'missing')).toBeUndefined()
    expect(getParams(cs, 'topic')).toEqual(['a', 'b'])
    expect(paramsToOptions(cs)).toEqual({ topic: 'a,b', group_id: 'g', flag: '' })
  })
})

const malformed: Array<[string, RegExp]> = [
  ['', /is empty/],
  ['./data/in.csv', /has no scheme.*write file:\.\/data\/in\.csv/],
  ['/data/in.csv', /has no scheme.*write file:\/\/\/data\/in\.csv/],
  ['C:\\data\\x.csv', /has no scheme.*write file:C:\\data\\x\.csv/],
  ['//h1:9092/orders', /has no scheme.*Start it with the connector scheme/],
  ['kafka://h1:99999/orders', /port 99999 for host "h1", which is out of range\. Expected a port from 1 to 65535/],
  ['kafka://h1:0/orders', /port 0 for host "h1", which is out of range/],
  ['kafka://h1:abc/orders', /port "abc" for host "h1", which is not a number/],
  ['kafka://h1:/orders', /port "" for host "h1".*Remove the ":" or add the port/],
  ['kafka://[::1:9092/orders', /unterminated "\[".*Close the IPv6 address with "\]"/],
  ['kafka://[::1]9092/orders', /unexpected text "9092" after the IPv6 address/],
  ['kafka://[zz]:1/orders', /invalid IPv6 address "\[zz\]"/],
  ['kafka://::1:9092/orders', /IPv6 address "::1:9092" without brackets/],
  ['kafka://h1:9092,,h2:9092/orders', /empty entry at position 2 of its host list.*Remove the extra comma/],
  ['kafka://,h1/orders', /empty entry at position 1/],
  ['kafka://h1,/orders', /empty entry at position 2/],
  ['kafka://:9092/orders', /port without a host/],
  ['kafka://my host:9092/orders', /has the character " " in host "my host".*percent-encode anything else/],
  ['kafka://h<1>:9092/orders', /has the character "<" in host/],
  ['kafka://h/t?x=%zz', /invalid percent escape "%zz" in the value of parameter "x"/],
  ['kafka://h/t%2?x=1', /invalid percent escape "%2" in the path/],
  ['kafka://h/t?x=%C3%28', /do not form UTF-8/],
  ['kafka://h/t?=v', /parameter without a name/],
  ['file://', /names no file.*file:\/\/\/absolute\/path/],
]

describe('core: parseConnectionString on malformed input', () => {
  it.each(malformed)('rejects %j with a message that says why', (text, message) => {
    let caught: unknown
    try {
      parseConnectionString(text, 'orders.uri')
    } catch (error) {
      caught = error
    }
    expect(isFerrisError(caught)).toBe(true)
    const error = caught as Error & { code: string }
    expect(error.code).toBe('FERRIS_CONNECTION_STRING_INVALID')
    expect(error.message).toMatch(/^orders\.uri: /)
    expect(error.message).toMatch(message)
    expect(error.message).toMatch(/Expected /)
  })

  it.each([
    'postgresql://user:hunter2@db:99999/shop',
    'postgresql://user:hunter2@db:5432,,x/shop',
    'postgresql://user:hun/ter2@db:5432/shop?x=%zz',
    'postgresql://user:hunter2@[::1/shop',
    'postgresql://user:hun?ter2@db:5432/shop',
    'postgresql://user:hun%zzter2@db/shop',
    'postgresql://user@db/shop?password=hunter2&x=%zz',
    'postgresql://user@db/shop?password=hun%zzter2',
  ])('never shows the password of %s in the error', (text) => {
    let message = ''
    try {
      parseConnectionString(text, 'db.uri')
    } catch (error) {
      message = (error as Error).message + JSON.stringify(error)
    }
    expect(message).toMatch(/^db\.uri: /)
    expect(message).not.toMatch(/hunter2|hun|ter2/)
    expect(message).toContain('***')
  })

  it('redacts raw text that does not parse', () => {
    expect(redactConnectionString('postgresql://u:a/b@c@db:5432/x?token=abc&y=1')).toBe(
      'postgresql://u:***@db:5432/x?token=***&y=1',
    )
    expect(redactConnectionString('kafka://h1:9092/t?group_id=g')).toBe('kafka://h1:9092/t?group_id=g')
  })
})
