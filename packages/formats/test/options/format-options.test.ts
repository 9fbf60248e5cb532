import { describe, expect, it } from 'vitest'
import { FORMAT_OPTION_SPECS, formatOf, PART_OPTION_SPECS } from '../../src/options/format-options.js'

const base = {
  compression: 'auto',
  has_headers: true,
  delimiter: ',',
  quote: '"',
  null_marker: '',
  max_record_bytes: 1024,
}

describe('[formats] formatOf', () => {
  it('guesses format and compression from the name when the options leave them open', () => {
    const f = formatOf(base, 'in/a.jsonl.gz', 'src')
    expect(f.lookup).toMatchObject({ name: 'jsonl' })
    expect(f.compression).toBe('gzip')
    expect(f.streamOptions).toEqual({
      hasHeader: true,
      delimiter: ',',
      quote: '"',
      nullMarker: '',
      maxRecordBytes: 1024,
    })
  })

  it('lets format and compression options win over the name', () => {
    const f = formatOf({ ...base, format: 'csv', compression: 'none', escape: '\\' }, 'in/a.jsonl.gz', 'src')
    expect(f.lookup).toMatchObject({ name: 'csv' })
    expect(f.compression).toBe('none')
    expect(f.streamOptions.escape).toBe('\\')
  })

  it('reads a .tsv name with a tab unless a delimiter is given', () => {
    expect(formatOf(base, 'a.tsv.gz', 'src').streamOptions.delimiter).toBe('\t')
    expect(formatOf({ ...base, delimiter: ';' }, 'a.tsv', 'src').streamOptions.delimiter).toBe(';')
  })

  it('names the option when the name has no known extension', () => {
    expect(() => formatOf(base, 'in/a.data', 'src')).toThrow(
      expect.objectContaining({
        code: 'FERRIS_CONFIG_INVALID',
        context: expect.objectContaining({ subject: 'src.format' }),
      }),
    )
  })
})

describe('[formats] shared option specs', () => {
  it('keep the names, defaults and aliases both connectors accept', () => {
    expect(FORMAT_OPTION_SPECS.has_headers.aliases).toEqual(['header', 'has_header', 'headers'])
    expect(FORMAT_OPTION_SPECS.max_record_bytes.default).toBe(16 * 1024 * 1024)
    expect(FORMAT_OPTION_SPECS.compression.values).toEqual(['auto', 'none', 'gzip', 'zstd'])
    expect(PART_OPTION_SPECS.max_bytes.aliases).toContain('max_file_size')
    expect(PART_OPTION_SPECS.file_prefix.default).toBe('part')
  })
})
