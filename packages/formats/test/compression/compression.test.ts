import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { compressChunk, compressionFor, decompress } from '../../src/compression/compression.js'
import { formatFor } from '../../src/stream-format.js'

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = []
  for await (const c of chunks) parts.push(Buffer.from(c))
  return Buffer.concat(parts).toString('utf8')
}

async function* split(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

// "id,name\n1,a\n" compressed by the zstd command-line tool (`printf 'id,name\n1,a\n' | zstd -c | base64`).
const ZSTD_SAMPLE = Buffer.from('KLUv/QRYYQAAaWQsbmFtZQoxLGEK3smcJA==', 'base64')

describe('[formats] compression', () => {
  it('tells compression from the extension', () => {
    expect(compressionFor('a.csv.gz')).toBe('gzip')
    expect(compressionFor('a.JSONL.ZST')).toBe('zstd')
    expect(compressionFor('a.csv')).toBe('none')
  })

  it('decompresses gzip in small chunks, including concatenated members', async () => {
    const bytes = Buffer.concat([gzipSync('id,name\n'), compressChunk(Buffer.from('1,a\n'), 'gzip')])
    expect(await collect(decompress(split(bytes, 3), 'gzip'))).toBe('id,name\n1,a\n')
  })

  it('decompresses zstd in small chunks', async () => {
    expect(await collect(decompress(split(ZSTD_SAMPLE, 2), 'zstd'))).toBe('id,name\n1,a\n')
  })

  it('says which input is not gzip', async () => {
    await expect(collect(decompress(split(Buffer.from('plain text'), 4), 'gzip', 'x.csv.gz'))).rejects.toThrow(
      /x\.csv\.gz is not valid gzip/,
    )
  })

  it('refuses to write zstd with a pointed error', () => {
    expect(() => compressChunk(Buffer.from('x'), 'zstd')).toThrow(/zstd-compressed files is not supported/)
  })
})

describe('[formats] formatFor', () => {
  it('finds formats by name and by path', () => {
    expect(formatFor('csv_no_header').stream?.name).toBe('csv_no_header')
    expect(formatFor('data/2024/events.ndjson.gz')).toMatchObject({ name: 'jsonl', compression: 'gzip' })
    expect(formatFor('x.tsv').name).toBe('csv')
    expect(formatFor('x.parquet')).toEqual({ name: 'parquet', compression: 'none' })
  })

  it('says what it accepts when it cannot tell', () => {
    expect(() => formatFor('data.bin', 'in.format')).toThrow(/Cannot tell the format of "data.bin"/)
  })
})
