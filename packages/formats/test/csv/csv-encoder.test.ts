import { batchOf, Decimal, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { CsvDecoder } from '../../src/csv/csv-decoder.js'
import { CsvEncoder } from '../../src/csv/csv-encoder.js'
import { decodeAll } from '../decode-helpers.js'

const text = (b: Uint8Array) => new TextDecoder().decode(b)

describe('[formats] CSV encoder', () => {
  const schema = Schema.of(
    ['id', T.int64],
    ['amount', T.decimal(12, 2)],
    ['name', T.string],
    ['at', T.timestamp('ms', 'UTC')],
  )
  const rows = [
    [9007199254740993n, new Decimal(-5n, 2), 'plain', 1704067200123000000n],
    [2n, null, 'a,b "q"\nnext', null],
    [3n, new Decimal(100n, 2), '', null],
    [4n, new Decimal(0n, 2), ' padded ', null],
  ]

  it('writes a header, quotes what needs quoting, NULL as the empty field and an empty string as ""', () => {
    const e = new CsvEncoder(schema)
    expect(text(e.begin()) + text(e.encode(batchOf(schema, rows)))).toBe(
      'id,amount,name,at\n' +
        '9007199254740993,-0.05,plain,2024-01-01T00:00:00.123Z\n' +
        '2,,"a,b ""q""\nnext",\n' +
        '3,1.00,"",\n' +
        '4,0.00," padded ",\n',
    )
  })

  it('reads back exactly what it wrote, with a custom delimiter and null marker', () => {
    const options = { delimiter: '|', nullMarker: 'NULL' }
    const e = new CsvEncoder(schema, options)
    const withNullWord = [...rows, [5n, null, 'NULL', null]]
    const bytes = text(e.begin()) + text(e.encode(batchOf(schema, withNullWord)))
    const back = decodeAll(() => new CsvDecoder({ schema, file: 'f', ...options }), bytes)
    expect(back.bad).toEqual([])
    expect(back.rows).toEqual(withNullWord)
  })

  it('writes no header for csv_no_header and nested values as JSON', () => {
    const s = Schema.of(['tags', T.list(T.int64)])
    const e = new CsvEncoder(s, { header: false })
    expect(text(e.begin())).toBe('')
    expect(text(e.encode(batchOf(s, [[[1n, 12345678901234567890n]]])))).toBe('"[1,12345678901234567890]"\n')
  })
})
