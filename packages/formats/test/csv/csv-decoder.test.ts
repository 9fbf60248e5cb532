import { Decimal, Schema, T } from '@ferris/core'
import { describe, expect, it } from 'vitest'
import { CsvDecoder, type CsvDecoderOptions, readCsvHeader } from '../../src/csv/csv-decoder.js'
import { decodeAll, decodeEveryChunking } from '../decode-helpers.js'

const S = Schema.of(['id', T.int32], ['name', T.string])
const csv = (input: string, options: Partial<CsvDecoderOptions> = {}, schema = S) =>
  decodeEveryChunking(() => new CsvDecoder({ schema, file: 'in.csv', ...options }), input)

async function* chunks(text: string, size = 3): AsyncGenerator<Uint8Array> {
  const b = new TextEncoder().encode(text)
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size)
}

describe('[formats] CSV decoder', () => {
  it('reads a header and matches columns by name, in any order and case', () => {
    const r = csv('NAME,Id\na,1\nb,2\n')
    expect(r.rows).toEqual([
      [1, 'a'],
      [2, 'b'],
    ])
  })

  it('gives each record its end byte offset, start line and the line after it', () => {
    const r = csv('id,name\n1,a\n2,"x\ny"\n3,c')
    expect(r.starts).toEqual([8, 12, 20])
    expect(r.ends).toEqual([12, 20, 23])
    expect(r.lines).toEqual([2, 3, 5])
    expect(r.endLines).toEqual([3, 5, 5])
  })

  it('keeps quoted delimiters, doubled quotes and quoted line breaks (LF and CRLF)', () => {
    const r = csv('id,name\r\n1,"a,b"\r\n2,"say ""hi"""\r\n3,"two\r\nlines"\r\n')
    expect(r.rows).toEqual([
      [1, 'a,b'],
      [2, 'say "hi"'],
      [3, 'two\r\nlines'],
    ])
    expect(r.ends.at(-1)).toBe(
      new TextEncoder().encode('id,name\r\n1,"a,b"\r\n2,"say ""hi"""\r\n3,"two\r\nlines"\r\n').length,
    )
  })

  it('accepts bare CR line ends', () => {
    expect(csv('id,name\r1,a\r2,b').rows).toEqual([
      [1, 'a'],
      [2, 'b'],
    ])
  })

  it('skips a UTF-8 byte-order mark and counts its bytes in offsets', () => {
    const r = csv('\uFEFFid,name\n1,é\n')
    expect(r.rows).toEqual([[1, 'é']])
    expect(r.starts).toEqual([11])
    expect(r.ends).toEqual([16])
  })

  it('decodes multi-byte UTF-8 split across chunks', () => {
    expect(csv('id,name\n1,日本語\n2,😀x\n').rows).toEqual([
      [1, '日本語'],
      [2, '😀x'],
    ])
  })

  it('uses another delimiter, quote and a backslash escape', () => {
    const r = csv("id;name\n1;'a;b'\n2;'it\\'s'\n", { delimiter: ';', quote: "'", escape: '\\' })
    expect(r.rows).toEqual([
      [1, 'a;b'],
      [2, "it's"],
    ])
  })

  it('reads tab-separated text with the \\t spelling', () => {
    expect(csv('id\tname\n1\ta b\n', { delimiter: '\\t' }).rows).toEqual([[1, 'a b']])
  })

  it('reads an empty unquoted field as NULL and a quoted empty string as the empty string', () => {
    expect(csv('id,name\n,\n2,""\n').rows).toEqual([
      [null, null],
      [2, ''],
    ])
  })

  it('reads a configured null marker as NULL only when unquoted; then an empty string field stays empty', () => {
    const r = csv('id,name\n\\N,\\N\n\\N,"\\N"\n3,\n', { nullMarker: '\\N' })
    expect(r.rows).toEqual([
      [null, null],
      [null, '\\N'],
      [3, ''],
    ])
  })

  it('reads files without a header by position (csv_no_header)', () => {
    expect(csv('1,a\n2,b\n', { hasHeader: false }).rows).toEqual([
      [1, 'a'],
      [2, 'b'],
    ])
  })

  it('converts to the declared types exactly: BIGINT beyond 2^53, DECIMAL, TIMESTAMP, DATE, BOOLEAN', () => {
    const schema = Schema.of(
      ['big', T.int64],
      ['amount', T.decimal(20, 4)],
      ['at', T.timestamp('us', 'UTC')],
      ['d', T.date],
      ['ok', T.boolean],
    )
    const r = csv(
      'big,amount,at,d,ok\n9223372036854775807,12345678901234.5678,2024-01-02T03:04:05.123456Z,2024-02-29,true\n',
      {},
      schema,
    )
    expect(r.bad).toEqual([])
    expect(r.rows).toEqual([
      [9223372036854775807n, new Decimal(123456789012345678n, 4), 1704164645123456000n, 19782, true],
    ])
  })

  it('skips empty lines but counts them', () => {
    const r = csv('id,name\n\n1,a\n\n\n2,b\n')
    expect(r.rows).toEqual([
      [1, 'a'],
      [2, 'b'],
    ])
    expect(r.lines).toEqual([3, 6])
  })

  it('reports a record with the wrong number of fields as bad, with file, line, byte and raw text, and goes on', () => {
    const r = csv('id,name\n1,a\n2,b,extra\n3,c\n')
    expect(r.rows).toEqual([
      [1, 'a'],
      [3, 'c'],
    ])
    expect(r.bad).toHaveLength(1)
    expect(r.bad[0]).toMatchObject({
      index: 1,
      file: 'in.csv',
      line: 3,
      byte: 12,
      end: 22,
      raw: '2,b,extra',
      code: 'FERRIS_RECORD_MALFORMED',
    })
    expect(r.bad[0]!.message).toContain('3 fields but the header has 2')
    expect(r.bad[0]!.message).toContain('in.csv, line 3, byte 12')
  })

  it('reports a value that does not fit its type as bad, naming the column', () => {
    const r = csv('id,name\nx1,a\n2,b\n')
    expect(r.rows).toEqual([[2, 'b']])
    expect(r.bad[0]).toMatchObject({ line: 2, byte: 8, raw: 'x1,a', code: 'FERRIS_TYPE_CONVERSION' })
    expect(r.bad[0]!.message).toContain('Column "id"')
  })

  it('resynchronises at the next line after text following a closing quote', () => {
    const r = csv('id,name\n1,"bad"x\n2,b\n3,"c"\n')
    expect(r.rows).toEqual([
      [2, 'b'],
      [3, 'c'],
    ])
    expect(r.bad[0]).toMatchObject({ line: 2, byte: 8, end: 17, raw: '1,"bad"x' })
    expect(r.bad[0]!.message).toContain('after the closing quote')
  })

  it('reports a quote left open at the end of the input', () => {
    const r = csv('id,name\n1,a\n2,"open\n')
    expect(r.rows).toEqual([[1, 'a']])
    expect(r.bad[0]).toMatchObject({ line: 3, byte: 12 })
    expect(r.bad[0]!.message).toContain('not closed')
  })

  it('reports only the line of a quote that never closes and reads on from the next line', () => {
    const text = 'id,name\n1,a\n2,"open\n3,c\n\n4,d'
    for (const chunk of [1, 3, 1000]) {
      const r = decodeAll(() => new CsvDecoder({ schema: S, file: 'f' }), text, chunk)
      expect(r.rows).toEqual([
        [1, 'a'],
        [3, 'c'],
        [4, 'd'],
      ])
      expect(r.bad.map((b) => [b.line, b.byte, b.raw])).toEqual([[3, 12, '2,"open']])
      expect(r.bad[0]!.message).toMatch(/opened at byte 14 .* reading goes on at the next one/)
    }
  })

  it('bounds memory: a record longer than max_record_bytes is reported and skipped to the next line', () => {
    const long = `1,"${'x'.repeat(100)}\n2,b\n`
    const r = decodeAll(() => new CsvDecoder({ schema: S, file: 'f', maxRecordBytes: 50 }), `id,name\n${long}`, 16)
    expect(r.bad[0]!.message).toContain('longer than 50 bytes')
    expect(r.rows).toEqual([[2, 'b']])
  })

  it('reports a NULL in a NOT NULL column and a missing NOT NULL column', () => {
    const schema = Schema.of(['id', T.int32, false], ['name', T.string])
    expect(csv('id,name\n,a\n', {}, schema).bad[0]!.message).toContain('"id" is NOT NULL')
    expect(csv('name\na\n', {}, schema).bad[0]!.message).toContain('"id" is NOT NULL')
  })

  it('fills schema fields missing from the file with NULL and ignores extra columns', () => {
    const schema = Schema.of(['name', T.string], ['age', T.int32])
    expect(csv('id,name,zip\n1,a,007\n', {}, schema).rows).toEqual([['a', null]])
  })

  it('resumes at a byte offset with the header read again, keeping line numbers', async () => {
    const text = 'id,name\n1,a\n2,"b\nb"\n3,c\n'
    const first = decodeAll(() => new CsvDecoder({ schema: S, file: 'f' }), text)
    const header = (await readCsvHeader(chunks(text)))!
    expect(header).toEqual(['id', 'name'])
    const at = first.ends[0]!
    const rest = decodeAll(
      () => new CsvDecoder({ schema: S, file: 'f', header, startOffset: at, startLine: first.endLines[0]! }),
      new TextEncoder().encode(text).subarray(at),
    )
    expect(rest.rows).toEqual(first.rows.slice(1))
    expect(rest.ends).toEqual(first.ends.slice(1))
    expect(rest.lines).toEqual(first.lines.slice(1))
  })

  it('stops with a schema mismatch when the header names none of the fields (a headerless file, a wrong delimiter)', () => {
    expect(() => decodeAll(() => new CsvDecoder({ schema: S, file: 'f' }), '1;a\n2;b\n')).toThrow(
      /None of the columns of f is a field/,
    )
  })

  it('refuses a delimiter that is not one ASCII character', () => {
    expect(() => new CsvDecoder({ schema: S, file: 'f', delimiter: '::' })).toThrow(/one ASCII character/)
  })
})
